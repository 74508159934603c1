#include "backends/cpu_ref/euclidean_loss.h"

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {

template <class T>
void EuclideanLoss<T>::forward(const ForwardArgs<T>& args) {
  const T* a = args.inputs[0]->data();
  const T* b = args.inputs[1]->data();
  double sum = 0;
  for (int64_t i = 0; i < numel_; ++i) {
    const double d = double(a[i]) - double(b[i]);
    sum += d * d;
  }
  (*args.outputs[0])[0] = static_cast<T>(sum / (2.0 * double(n_)));
}

template <class T>
void EuclideanLoss<T>::backward(const BackwardArgs<T>& args) {
  const T* a = args.inputs[0]->data();
  const T* b = args.inputs[1]->data();
  const T scale = (*args.output_grads[0])[0] / static_cast<T>(n_);
  T* da = args.input_grads[0] ? args.input_grads[0]->data() : nullptr;
  T* db = args.input_grads[1] ? args.input_grads[1]->data() : nullptr;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < numel_; ++i) {
    const T g = scale * (a[i] - b[i]);
    if (da) da[i] = g;
    if (db) db[i] = -g;
  }
}

template class EuclideanLoss<float>;
template class EuclideanLoss<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_euclidean_loss(KernelRegistry& registry) {
  registry.add_reference<EuclideanLossOp, cpu_ref::EuclideanLoss>();
}

}  // namespace svertka
