// The oneDNN kernels: one line per op that oneDNN provides; the others use their reference kernel.
#include "backends/cpu_dnnl/concat.h"
#include "backends/cpu_dnnl/conv.h"
#include "backends/cpu_dnnl/inner_product.h"
#include "backends/cpu_dnnl/lrn.h"
#include "backends/cpu_dnnl/pooling.h"
#include "backends/cpu_dnnl/relu.h"
#include "backends/cpu_dnnl/softmax.h"
#include "svertka/kernel_registry.h"

namespace svertka {

void register_cpu_dnnl_kernels(KernelRegistry& registry) {
  registry.add<ConvOp, cpu_dnnl::Conv>(Backend::kCpuDnnl);
  registry.add<PoolOp, cpu_dnnl::Pool>(Backend::kCpuDnnl);
  registry.add<LrnOp, cpu_dnnl::Lrn>(Backend::kCpuDnnl);
  registry.add<InnerProductOp, cpu_dnnl::InnerProduct>(Backend::kCpuDnnl);
  registry.add<ReluOp, cpu_dnnl::Relu>(Backend::kCpuDnnl);
  registry.add<ConcatOp, cpu_dnnl::Concat>(Backend::kCpuDnnl);
  registry.add<SoftmaxOp, cpu_dnnl::Softmax>(Backend::kCpuDnnl);
}

}  // namespace svertka
