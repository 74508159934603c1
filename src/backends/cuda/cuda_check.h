// Checks of CUDA runtime, cuDNN and cuBLAS calls: a failed call throws BackendError naming the
// call, the file and line, and the library's own message ("cudaMalloc(&p, bytes) at
// src/backends/cuda/cuda_memory.cc:31: out of memory"). The library throws; nothing here exits.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace svertka::cuda {

[[noreturn]] void fail_call(const char* library, const char* call, const char* message,
                            const char* file, int line);

inline void check_call(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // clears a non-sticky error so that the device stays usable
    fail_call("CUDA", call, cudaGetErrorString(status), file, line);
  }
}
inline void check_call(cudnnStatus_t status, const char* call, const char* file, int line) {
  if (status != CUDNN_STATUS_SUCCESS) fail_call("cuDNN", call, cudnnGetErrorString(status), file, line);
}
void check_call(cublasStatus_t status, const char* call, const char* file, int line);

}  // namespace svertka::cuda

#define SVERTKA_CUDA_CHECK(call) ::svertka::cuda::check_call((call), #call, __FILE__, __LINE__)
