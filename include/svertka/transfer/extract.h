// Feature extraction: the activations of a named blob for every sample of a dataset, streamed to a
// feature file (features.h) batch by batch.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "svertka/data/batch_source.h"
#include "svertka/net.h"
#include "svertka/transfer/features.h"

namespace svertka {

// The view of each sample that extraction sees: the plain evaluation view (centre crop, or the
// IDX image as is). The one place to change when extraction follows eval's crop policies.
void fill_extract_view(const BatchSource& data, std::span<const int64_t> indices, Tensor& images,
                       Tensor& labels);

// Runs `net` (TEST phase, `blob` in its keep_blobs) over every sample of `data` in batches of the
// net's batch size (the last one padded) and appends each sample's flattened activations of
// `blob` and its label to `out`, which must expect data.size() rows of the blob's per-sample size.
// NotFoundError for an unknown blob.
void extract_features(Net& net, const BatchSource& data, const std::string& blob,
                      FeatureWriter& out,
                      const std::function<void(int64_t done, int64_t total)>& progress = {});

}  // namespace svertka
