#include "backends/cpu_ref/softmax.h"

#include <algorithm>
#include <cmath>

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {

template <class T>
void softmax_forward(const T* x, T* y, int64_t outer, int64_t channels, int64_t inner) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t s = 0; s < inner; ++s) {
      const T* xs = x + o * channels * inner + s;  // element c is xs[c * inner]
      T* ys = y + o * channels * inner + s;
      T max = xs[0];
      for (int64_t c = 1; c < channels; ++c) max = std::max(max, xs[c * inner]);
      double sum = 0;
      for (int64_t c = 0; c < channels; ++c) {
        ys[c * inner] = std::exp(xs[c * inner] - max);
        sum += ys[c * inner];
      }
      const T scale = static_cast<T>(1.0 / sum);  // sum >= 1: the maximum contributes exp(0)
      for (int64_t c = 0; c < channels; ++c) ys[c * inner] *= scale;
    }
  }
}

template <class T>
void Softmax<T>::forward(const ForwardArgs<T>& args) {
  softmax_forward(args.inputs[0]->data(), args.outputs[0]->data(), g_.outer, g_.channels, g_.inner);
}

template <class T>
void Softmax<T>::backward(const BackwardArgs<T>& args) {
  BasicTensor<T>* dx_tensor = args.input_grads[0];
  if (!dx_tensor) return;
  const T* y = args.outputs[0]->data();
  const T* dy = args.output_grads[0]->data();
  T* dx = dx_tensor->data();
  const int64_t channels = g_.channels, inner = g_.inner;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < g_.outer; ++o) {
    for (int64_t s = 0; s < inner; ++s) {
      const int64_t base = o * channels * inner + s;  // element c is at base + c * inner
      double dot = 0;
      for (int64_t c = 0; c < channels; ++c)
        dot += double(dy[base + c * inner]) * y[base + c * inner];
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t i = base + c * inner;
        dx[i] = static_cast<T>(y[i] * (dy[i] - dot));
      }
    }
  }
}

template void softmax_forward<float>(const float*, float*, int64_t, int64_t, int64_t);
template void softmax_forward<double>(const double*, double*, int64_t, int64_t, int64_t);
template class Softmax<float>;
template class Softmax<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_softmax(KernelRegistry& registry) {
  registry.add_reference<SoftmaxOp, cpu_ref::Softmax>();
}

}  // namespace svertka
