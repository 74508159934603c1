#include "svertka/data/batch_buffers.h"

#include <algorithm>

namespace svertka {

BatchBuffers::Batch BatchBuffers::take(const Shape& images, const Shape& labels,
                                       const Shape& targets) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto fits = std::find_if(free_.begin(), free_.end(), [&](const Batch& b) {
      return b.images.shape() == images && b.labels.shape() == labels &&
             b.targets.shape() == targets;
    });
    if (fits != free_.end()) {
      Batch batch = std::move(*fits);
      free_.erase(fits);
      return batch;
    }
  }
  return Batch{Tensor(images), Tensor(labels), Tensor(targets)};
}

void BatchBuffers::give_back(Batch batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(batch));
}

size_t BatchBuffers::free_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return free_.size();
}

}  // namespace svertka
