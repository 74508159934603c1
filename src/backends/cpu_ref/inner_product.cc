#include "backends/cpu_ref/inner_product.h"

#include <algorithm>

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {

template <class T>
void InnerProduct<T>::forward(const ForwardArgs<T>& args) {
  const T* x = args.inputs[0]->data();
  const T* w = args.params[0]->data();
  const T* b = bias_ ? args.params[1]->data() : nullptr;
  T* y = args.outputs[0]->data();

#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < n_; ++n) {
    for (int64_t o = 0; o < o_; ++o) {
      const T* xn = x + n * k_;
      const T* wo = w + o * k_;
      double sum = b ? double(b[o]) : 0.0;
      for (int64_t k = 0; k < k_; ++k) sum += double(xn[k]) * double(wo[k]);
      y[n * o_ + o] = static_cast<T>(sum);
    }
  }
}

template <class T>
void InnerProduct<T>::backward(const BackwardArgs<T>& args) {
  const T* dy = args.output_grads[0]->data();

  if (BasicTensor<T>* dx_tensor = args.input_grads[0]) {
    // dx[n, k] = sum_o dy[n, o] * w[o, k]. Walking k down a column of w would stride by K through
    // the whole matrix (150 MB for AlexNet fc6), so each task takes a block of k and sweeps the
    // rows of w, accumulating the block in double.
    constexpr int64_t kBlock = 256;
    const T* w = args.params[0]->data();
    T* dx = dx_tensor->data();
    const int64_t blocks = (k_ + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < n_; ++n) {
      for (int64_t block = 0; block < blocks; ++block) {
        const int64_t k0 = block * kBlock, len = std::min(kBlock, k_ - k0);
        double sum[kBlock] = {};
        for (int64_t o = 0; o < o_; ++o) {
          const double g = dy[n * o_ + o];
          const T* wo = w + o * k_ + k0;
          for (int64_t j = 0; j < len; ++j) sum[j] += g * double(wo[j]);
        }
        for (int64_t j = 0; j < len; ++j) dx[n * k_ + k0 + j] = static_cast<T>(sum[j]);
      }
    }
  }

  BasicTensor<T>* dw_tensor = args.param_grads.empty() ? nullptr : args.param_grads[0];
  if (dw_tensor) {
    // dw[o, k] = sum_n dy[n, o] * x[n, k]
    const T* x = args.inputs[0]->data();
    T* dw = dw_tensor->data();
#pragma omp parallel for schedule(static)
    for (int64_t o = 0; o < o_; ++o) {
      for (int64_t k = 0; k < k_; ++k) {
        double sum = 0;
        for (int64_t n = 0; n < n_; ++n) sum += double(dy[n * o_ + o]) * double(x[n * k_ + k]);
        dw[o * k_ + k] = static_cast<T>(sum);
      }
    }
  }

  BasicTensor<T>* db_tensor = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
  if (db_tensor) {
    T* db = db_tensor->data();
    for (int64_t o = 0; o < o_; ++o) {
      double sum = 0;
      for (int64_t n = 0; n < n_; ++n) sum += dy[n * o_ + o];
      db[o] = static_cast<T>(sum);
    }
  }
}

template class InnerProduct<float>;
template class InnerProduct<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_inner_product(KernelRegistry& registry) {
  registry.add_reference<InnerProductOp, cpu_ref::InnerProduct>();
}

}  // namespace svertka
