#include "backends/cpu_ref/relu.h"

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {

template <class T>
void Relu<T>::forward(const ForwardArgs<T>& args) {
  const T* x = args.inputs[0]->data();
  T* y = args.outputs[0]->data();
  const int64_t count = args.outputs[0]->numel();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) y[i] = x[i] > 0 ? x[i] : slope_ * x[i];
}

template <class T>
void Relu<T>::backward(const BackwardArgs<T>& args) {
  BasicTensor<T>* dx_tensor = args.input_grads[0];
  if (!dx_tensor) return;
  const T* y = args.outputs[0]->data();
  const T* dy = args.output_grads[0]->data();
  T* dx = dx_tensor->data();
  const int64_t count = dx_tensor->numel();
  // With slope >= 0, y > 0 exactly when x > 0.
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) dx[i] = y[i] > 0 ? dy[i] : slope_ * dy[i];
}

template class Relu<float>;
template class Relu<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_relu(KernelRegistry& registry) {
  registry.add_reference<ReluOp, cpu_ref::Relu>();
}

}  // namespace svertka
