// BatchPipeline: worker threads fill the next batches of a BatchSource into a bounded prefetch
// queue while the caller (the network) computes, and hand them out in order. Each sample's content
// depends only on (seed, epoch, index), so the batches are the same for any number of workers;
// with 0 workers next() fills synchronously on the calling thread (OpenMP-parallel inside fill).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "svertka/data/batch_buffers.h"
#include "svertka/data/batch_source.h"

namespace svertka {

struct PipelineOptions {
  int workers = 0;      // threads filling batches; each fills whole batches, one thread apiece
  int prefetch = 4;     // batches filled ahead of the consumer, at most (>= 1)
  bool augment = true;  // training transforms (else evaluation ones)
  uint64_t seed = 1, epoch = 0;
  // Where the prefetch batches come from and go back to when the pipeline ends, for the next
  // pipeline (the next epoch's) to reuse; null: the pipeline's own. Must outlive the pipeline.
  BatchBuffers* buffers = nullptr;
};

class BatchPipeline {
 public:
  // Batches of `batch` consecutive entries of `indices` (a trailing partial batch is dropped).
  // ParamError for a batch or prefetch that is not positive, or negative workers.
  BatchPipeline(const BatchSource& source, std::vector<int64_t> indices, int64_t batch,
                PipelineOptions options);
  ~BatchPipeline();  // stops the workers after the batches they are filling
  BatchPipeline(const BatchPipeline&) = delete;
  BatchPipeline& operator=(const BatchPipeline&) = delete;

  int64_t batches() const { return batches_; }
  // Copies the next batch into images (B,C,H,W), labels (B) and, when not null, targets
  // (B, source.target_width()); blocks until it is ready and rethrows the error its filling threw.
  // ParamError when every batch has been taken.
  void next(Tensor& images, Tensor& labels, Tensor* targets = nullptr);

 private:
  struct Slot {
    BatchBuffers::Batch batch;
    std::exception_ptr error;
  };
  void work();
  std::span<const int64_t> batch_indices(int64_t b) const;

  const BatchSource& source_;
  std::vector<int64_t> indices_;
  int64_t batch_, batches_;
  PipelineOptions options_;
  BatchBuffers own_buffers_;
  BatchBuffers& buffers_;

  std::mutex mutex_;
  std::condition_variable produced_, consumed_;
  int64_t next_to_fill_ = 0, next_to_take_ = 0;
  bool stopping_ = false;
  std::map<int64_t, Slot> ready_;
  std::vector<std::thread> threads_;
};

}  // namespace svertka
