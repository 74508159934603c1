// The oneDNN kernels: one line per op that oneDNN provides; the others use their reference kernel.
#include "backends/cpu_dnnl/conv.h"
#include "svertka/kernel_registry.h"

namespace svertka {

void register_cpu_dnnl_kernels(KernelRegistry& registry) {
  registry.add<ConvOp, cpu_dnnl::Conv>(Backend::kCpuDnnl);
}

}  // namespace svertka
