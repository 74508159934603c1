// The reference kernels: one line per op.
#include "backends/cpu_ref/accuracy.h"
#include "backends/cpu_ref/concat.h"
#include "backends/cpu_ref/conv.h"
#include "backends/cpu_ref/dropout.h"
#include "backends/cpu_ref/euclidean_loss.h"
#include "backends/cpu_ref/inner_product.h"
#include "backends/cpu_ref/lrn.h"
#include "backends/cpu_ref/pooling.h"
#include "backends/cpu_ref/relu.h"
#include "backends/cpu_ref/softmax.h"
#include "backends/cpu_ref/softmax_loss.h"
#include "svertka/kernel_registry.h"

namespace svertka {

void register_cpu_ref_kernels(KernelRegistry& registry) {
  registry.add_reference<ConvOp, cpu_ref::Conv>();
  registry.add_reference<PoolOp, cpu_ref::Pool>();
  registry.add_reference<LrnOp, cpu_ref::Lrn>();
  registry.add_reference<InnerProductOp, cpu_ref::InnerProduct>();
  registry.add_reference<ReluOp, cpu_ref::Relu>();
  registry.add_reference<DropoutOp, cpu_ref::Dropout>();
  registry.add_reference<ConcatOp, cpu_ref::Concat>();
  registry.add_reference<SoftmaxOp, cpu_ref::Softmax>();
  registry.add_reference<SoftmaxLossOp, cpu_ref::SoftmaxLoss>();
  registry.add_reference<EuclideanLossOp, cpu_ref::EuclideanLoss>();
  registry.add_reference<AccuracyOp, cpu_ref::Accuracy>();
}

}  // namespace svertka
