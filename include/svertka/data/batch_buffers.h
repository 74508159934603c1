// BatchBuffers: batch tensors handed on from one BatchPipeline to the next (from an epoch's to the
// next epoch's), so that each pipeline does not allocate its prefetch batches afresh: a batch of
// 64 224x224 crops is 38 MB, which the kernel maps and zeroes page by page (a tenth of
// bench-data's time on 300-image epochs).
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "svertka/tensor.h"

namespace svertka {

class BatchBuffers {
 public:
  struct Batch {
    Tensor images, labels, targets;  // targets (B, BatchSource::target_width()), maybe (B, 0)
  };
  // A free batch of these shapes, else a new one (zero-filled). Thread-safe.
  Batch take(const Shape& images, const Shape& labels, const Shape& targets);
  // Keeps `batch` for a later take(). Thread-safe.
  void give_back(Batch batch);
  // Batches kept and not taken.
  size_t free_count() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Batch> free_;
};

}  // namespace svertka
