#include "backends/cuda/cuda_check.h"

#include <string>

#include "svertka/error.h"

namespace svertka::cuda {

void fail_call(const char* library, const char* call, const char* message, const char* file,
               int line) {
  throw BackendError(std::string(library) + " call " + call + " at " + file + ":" +
                     std::to_string(line) + " failed: " + message);
}

void check_call(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) fail_call("cuBLAS", call, cublasGetStatusString(status), file, line);
}

}  // namespace svertka::cuda
