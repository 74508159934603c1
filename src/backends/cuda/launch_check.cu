// The launch check of kernel_support.cuh: after a kernel launch, the launch's own error (a bad
// configuration, no device), not the kernel's outcome, as BackendError.
#include <string>

#include "backends/cuda/kernel_support.cuh"
#include "svertka/error.h"

namespace svertka::cuda {

void check_launch(const char* kernel, const char* file, int line) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess)
    throw BackendError(std::string("CUDA launch of ") + kernel + " at " + file + ":" +
                       std::to_string(line) + " failed: " + cudaGetErrorString(status));
}

}  // namespace svertka::cuda
