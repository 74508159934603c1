#include "backends/cpu_ref/concat.h"

#include <algorithm>

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {

template <class T>
void Concat<T>::forward(const ForwardArgs<T>& args) {
  T* y = args.outputs[0]->data();
  for (size_t i = 0; i < g_.sizes.size(); ++i) {
    const T* x = args.inputs[i]->data();
    const int64_t block = g_.sizes[i] * g_.inner;  // contiguous in both x and y
#pragma omp parallel for schedule(static)
    for (int64_t o = 0; o < g_.outer; ++o) {
      const T* src = x + o * block;
      std::copy(src, src + block, y + (o * g_.total + g_.offsets[i]) * g_.inner);
    }
  }
}

template <class T>
void Concat<T>::backward(const BackwardArgs<T>& args) {
  const T* dy = args.output_grads[0]->data();
  for (size_t i = 0; i < g_.sizes.size(); ++i) {
    if (!args.input_grads[i]) continue;
    T* dx = args.input_grads[i]->data();
    const int64_t block = g_.sizes[i] * g_.inner;
#pragma omp parallel for schedule(static)
    for (int64_t o = 0; o < g_.outer; ++o) {
      const T* src = dy + (o * g_.total + g_.offsets[i]) * g_.inner;
      std::copy(src, src + block, dx + o * block);
    }
  }
}

template class Concat<float>;
template class Concat<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_concat(KernelRegistry& registry) {
  registry.add_reference<ConcatOp, cpu_ref::Concat>();
}

}  // namespace svertka
