#include "backends/cuda/cuda_memory.h"

#include "backends/cuda/cuda_check.h"

namespace svertka::cuda {

namespace {

void* driver_allocate(int ordinal, size_t bytes) {
  SVERTKA_CUDA_CHECK(cudaSetDevice(ordinal));
  void* block = nullptr;
  const cudaError_t status = cudaMalloc(&block, bytes);
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    return nullptr;  // the pool frees its cache and tries again, then reports
  }
  SVERTKA_CUDA_CHECK(status);
  return block;
}

}  // namespace

CudaMemory::CudaMemory(int ordinal, cudaStream_t stream)
    : ordinal_(ordinal),
      stream_(stream),
      name_("cuda:" + std::to_string(ordinal)),
      pool_([ordinal](size_t bytes) { return driver_allocate(ordinal, bytes); },
            [ordinal](void* block) {
              (void)cudaSetDevice(ordinal);
              (void)cudaFree(block);  // in a destructor: nothing to report to
            }) {}

void CudaMemory::activate() const {
  SVERTKA_CUDA_CHECK(cudaSetDevice(ordinal_));
}

void* CudaMemory::allocate(size_t bytes) {
  return pool_.allocate(bytes);
}

void CudaMemory::deallocate(void* pointer, size_t) noexcept {
  // Kernels queued on the stream may still read the block; the pool hands it out again only to
  // work queued after them on the same stream, so no wait is needed.
  pool_.deallocate(pointer);
}

void CudaMemory::copy_to_host(void* host, const void* source, size_t bytes) const {
  activate();
  SVERTKA_CUDA_CHECK(cudaMemcpyAsync(host, source, bytes, cudaMemcpyDeviceToHost, stream_));
  SVERTKA_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaMemory::copy_from_host(void* destination, const void* host, size_t bytes) const {
  activate();
  SVERTKA_CUDA_CHECK(cudaMemcpyAsync(destination, host, bytes, cudaMemcpyHostToDevice, stream_));
  SVERTKA_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaMemory::copy(void* destination, const void* source, size_t bytes) const {
  activate();
  SVERTKA_CUDA_CHECK(
      cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDeviceToDevice, stream_));
}

void CudaMemory::zero(void* destination, size_t bytes) const {
  activate();
  SVERTKA_CUDA_CHECK(cudaMemsetAsync(destination, 0, bytes, stream_));
}

}  // namespace svertka::cuda
