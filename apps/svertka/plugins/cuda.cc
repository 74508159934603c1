// libsvertka_cuda.so: the CUDA backend (svertka::cuda, linked whole) as a plugin of the command
// line (apps/svertka/backend_plugin.h), which loads it only for a cuda device. Its registration
// runs when it is loaded; this file adds NCCL's communicator for the GPUs of a run of several
// ranks (`mpirun -np 8 svertka train --device cuda:N`; docs/GPU.md, "Eight GPUs").
#if SVERTKA_PLUGIN_NCCL
#include "svertka/dist/communicator.h"
#include "svertka/dist/nccl.h"
#include "svertka/op.h"
#endif

namespace svertka::cli {

extern "C" int svertka_cuda_plugin_abi() {
  return 1;
}

#if SVERTKA_PLUGIN_NCCL
namespace {
[[maybe_unused]] const bool nccl_registered =
    (register_device_communicator(Backend::kCuda, &make_nccl_communicator), true);
}  // namespace
#endif

}  // namespace svertka::cli
