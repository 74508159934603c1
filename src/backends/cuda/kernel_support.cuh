// What the .cu files share: launch sizes, grid-stride loops, block sums, the launch check.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace svertka::cuda {

// Reports a failed launch as BackendError (cuda_check.cc; nvcc never sees svertka's headers).
void check_launch(const char* kernel, const char* file, int line);

inline constexpr int kThreads = 256;

inline unsigned blocks_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > (int64_t(1) << 20) ? (int64_t(1) << 20) : blocks));
}

// for (int64_t i = first; i < n; i += stride) over the whole grid.
#define SVERTKA_GRID_LOOP(i, n)                                                      \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);          \
       i += int64_t(blockDim.x) * gridDim.x)

// The sum of every thread's `value` in a block of kThreads threads; every thread gets it.
template <class T>
__device__ T block_sum(T value) {
  __shared__ T partial[kThreads];
  partial[threadIdx.x] = value;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (int(threadIdx.x) < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  const T total = partial[0];
  __syncthreads();
  return total;
}

}  // namespace svertka::cuda

#define SVERTKA_LAUNCHED(kernel) ::svertka::cuda::check_launch(kernel, __FILE__, __LINE__)
