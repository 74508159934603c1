// The memory of one GPU (memory.h): blocks from the device's BlockPool, copies and fills queued on
// the device's stream. A copy to or from the host waits for the stream (the host buffer is
// usable when it returns); a copy or fill within the GPU only queues, ordered with the kernels.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "backends/cuda/block_pool.h"
#include "svertka/memory.h"

namespace svertka::cuda {

class CudaMemory final : public MemoryResource {
 public:
  // Memory of GPU `ordinal`, whose work goes to `stream`.
  CudaMemory(int ordinal, cudaStream_t stream);
  std::string_view name() const override { return name_; }  // "cuda:0"
  void* allocate(size_t bytes) override;
  void deallocate(void* pointer, size_t bytes) noexcept override;
  void copy_to_host(void* host, const void* source, size_t bytes) const override;
  void copy_from_host(void* destination, const void* host, size_t bytes) const override;
  void copy(void* destination, const void* source, size_t bytes) const override;
  void zero(void* destination, size_t bytes) const override;

  BlockPool& pool() { return pool_; }
  const BlockPool& pool() const { return pool_; }

 private:
  void activate() const;  // makes this GPU the calling thread's current device

  int ordinal_;
  cudaStream_t stream_;
  std::string name_;
  BlockPool pool_;
};

}  // namespace svertka::cuda
