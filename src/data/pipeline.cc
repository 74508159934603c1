#include "svertka/data/pipeline.h"

#include <omp.h>

#include <string>

#include "svertka/error.h"

namespace svertka {

BatchPipeline::BatchPipeline(const BatchSource& source, std::vector<int64_t> indices, int64_t batch,
                             PipelineOptions options)
    : source_(source),
      indices_(std::move(indices)),
      batch_(batch),
      options_(options),
      buffers_(options.buffers ? *options.buffers : own_buffers_) {
  if (batch <= 0 || options.prefetch <= 0 || options.workers < 0)
    throw ParamError("data pipeline: batch (" + std::to_string(batch) + ") and prefetch (" +
                     std::to_string(options.prefetch) + ") must be positive and workers (" +
                     std::to_string(options.workers) + ") non-negative");
  batches_ = static_cast<int64_t>(indices_.size()) / batch_;
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { work(); });
}

BatchPipeline::~BatchPipeline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  consumed_.notify_all();
  for (std::thread& t : threads_) t.join();
  for (auto& [b, slot] : ready_) buffers_.give_back(std::move(slot.batch));
}

std::span<const int64_t> BatchPipeline::batch_indices(int64_t b) const {
  return {indices_.data() + b * batch_, static_cast<size_t>(batch_)};
}

void BatchPipeline::work() {
  // The workers are the parallelism: the OpenMP loops inside fill() run serially on them.
  omp_set_num_threads(1);
  const Shape sample = source_.sample_shape();
  const Shape images_shape{batch_, sample[0], sample[1], sample[2]}, labels_shape{batch_},
      targets_shape{batch_, source_.target_width()};
  for (;;) {
    int64_t b = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      consumed_.wait(lock, [&] {
        return stopping_ ||
               (next_to_fill_ < batches_ && next_to_fill_ < next_to_take_ + options_.prefetch);
      });
      if (stopping_) return;
      b = next_to_fill_++;
    }
    Slot slot;
    try {
      slot.batch = buffers_.take(images_shape, labels_shape, targets_shape);
      source_.fill_with_targets(batch_indices(b), options_.augment, options_.seed, options_.epoch,
                                slot.batch.images, slot.batch.labels, slot.batch.targets);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(b, std::move(slot));
    }
    produced_.notify_all();
  }
}

void BatchPipeline::next(Tensor& images, Tensor& labels, Tensor* targets) {
  if (next_to_take_ >= batches_)
    throw ParamError("data pipeline: all " + std::to_string(batches_) + " batches were taken");
  if (threads_.empty()) {
    const std::span<const int64_t> indices = batch_indices(next_to_take_++);
    if (targets)
      source_.fill_with_targets(indices, options_.augment, options_.seed, options_.epoch, images,
                                labels, *targets);
    else
      source_.fill(indices, options_.augment, options_.seed, options_.epoch, images, labels);
    return;
  }
  Slot slot;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    produced_.wait(lock, [&] { return ready_.count(next_to_take_) > 0; });
    slot = std::move(ready_.extract(next_to_take_).mapped());
    ++next_to_take_;
  }
  if (slot.error) {
    consumed_.notify_all();
    std::rethrow_exception(slot.error);
  }
  const BatchBuffers::Batch& batch = slot.batch;
  if (images.shape() != batch.images.shape() || labels.shape() != batch.labels.shape())
    throw ShapeError("data pipeline: tensors are " + images.shape().str() + " and " +
                     labels.shape().str() + ", the batches " + batch.images.shape().str() +
                     " and " + batch.labels.shape().str());
  images.copy_from(batch.images);
  labels.copy_from(batch.labels);
  if (targets) targets->copy_from(batch.targets);
  buffers_.give_back(std::move(slot.batch));
  consumed_.notify_all();
}

}  // namespace svertka
