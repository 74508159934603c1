#include "backend_plugin.h"

#include <dlfcn.h>

#include "svertka/error.h"

namespace svertka::cli {
namespace {

std::string& cuda_plugin() {
  static std::string path;
  return path;
}

}  // namespace

void set_cuda_plugin(std::string path) {
  cuda_plugin() = std::move(path);
}

void load_backend_plugin(Backend backend) {
  if (backend != Backend::kCuda || has_backend(backend) || cuda_plugin().empty()) return;
  // Never closed: its kernels and devices live until the process ends.
  if (!::dlopen(cuda_plugin().c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    const char* why = ::dlerror();
    throw NotFoundError("cannot load the cuda backend from " + cuda_plugin() + ": " +
                        (why ? why : "unknown reason"));
  }
  if (!has_backend(backend))
    throw NotFoundError(cuda_plugin() + " was loaded but registered no cuda backend");
}

}  // namespace svertka::cli
