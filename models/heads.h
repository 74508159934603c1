// The classification heads every zoo model ends with.
#pragma once

#include <algorithm>

#include "svertka/blob_names.h"
#include "svertka/builder.h"
#include "svertka/zoo.h"

namespace svertka {

// "loss" (softmax cross-entropy) and "accuracy_top1" / "accuracy_top5" on `logits`.
inline void add_classifier_heads(NetBuilder& b, const std::string& logits, int64_t num_classes) {
  b.softmax_loss(kLossBlob, logits, kLabelBlob);
  b.accuracy(kAccuracyTop1, logits, kLabelBlob, 1);
  b.accuracy(kAccuracyTop5, logits, kLabelBlob, std::min<int64_t>(5, num_classes));
}

inline int64_t or_native(int64_t size, int64_t native) { return size > 0 ? size : native; }

}  // namespace svertka
