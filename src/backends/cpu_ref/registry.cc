// The reference kernels: one line per op.
#include "backends/cpu_ref/conv.h"
#include "svertka/kernel_registry.h"

namespace svertka {

void register_cpu_ref_kernels(KernelRegistry& registry) {
  registry.add_reference<ConvOp, cpu_ref::Conv>();
}

}  // namespace svertka
