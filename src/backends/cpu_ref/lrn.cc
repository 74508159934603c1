#include "backends/cpu_ref/lrn.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {
namespace {

// The channels [begin, end) in the window of channel c: Caffe's pre_pad = (n-1)/2 before c, the
// rest after, clipped to [0, channels).
struct ChannelWindow {
  int64_t begin, end;
};
ChannelWindow channel_window(int64_t c, int64_t n, int64_t channels) {
  const int64_t pre_pad = (n - 1) / 2;
  return {std::max<int64_t>(c - pre_pad, 0), std::min(c - pre_pad + n, channels)};
}

// s = k + (alpha/n) * sum over the window of c of x^2, for each of the hw pixels of channel c.
// xn points at one sample (C, H, W).
template <class T>
void window_scales(const T* xn, int64_t c, int64_t channels, int64_t hw, const LrnParams& p,
                   double* s) {
  std::fill(s, s + hw, 0.0);
  const ChannelWindow win = channel_window(c, p.local_size, channels);
  for (int64_t cc = win.begin; cc < win.end; ++cc) {
    const T* xc = xn + cc * hw;
    for (int64_t i = 0; i < hw; ++i) s[i] += double(xc[i]) * double(xc[i]);
  }
  const double alpha_over_n = p.alpha / double(p.local_size);
  for (int64_t i = 0; i < hw; ++i) s[i] = p.k + alpha_over_n * s[i];
}

}  // namespace

template <class T>
void Lrn<T>::forward(const ForwardArgs<T>& args) {
  const int64_t n = shape_[0], c = shape_[1], hw = shape_[2] * shape_[3];
  const T* x = args.inputs[0]->data();
  T* y = args.outputs[0]->data();

#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t in = 0; in < n; ++in) {
    for (int64_t ic = 0; ic < c; ++ic) {
      std::vector<double> s(static_cast<size_t>(hw));
      window_scales(x + in * c * hw, ic, c, hw, p_, s.data());
      const int64_t offset = (in * c + ic) * hw;
      for (int64_t i = 0; i < hw; ++i)
        y[offset + i] = static_cast<T>(double(x[offset + i]) * std::pow(s[i], -p_.beta));
    }
  }
}

// With y_i = x_i s_i^-beta and s_i = k + (alpha/n) sum_{j in W(i)} x_j^2:
//   dx_j = dy_j s_j^-beta - (2 alpha beta / n) x_j sum_{i : j in W(i)} dy_i x_i s_i^(-beta-1)
// and for odd n, j is in W(i) exactly when i is in W(j).
template <class T>
void Lrn<T>::backward(const BackwardArgs<T>& args) {
  BasicTensor<T>* dx_tensor = args.input_grads[0];
  if (!dx_tensor) return;
  const int64_t n = shape_[0], c = shape_[1], hw = shape_[2] * shape_[3];
  const T* x = args.inputs[0]->data();
  const T* dy = args.output_grads[0]->data();
  T* dx = dx_tensor->data();
  // Per element: s^-beta, and r = dy x s^(-beta-1).
  std::vector<double> s_pow(static_cast<size_t>(shape_.numel())), r(s_pow.size());

#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t in = 0; in < n; ++in) {
    for (int64_t ic = 0; ic < c; ++ic) {
      const int64_t offset = (in * c + ic) * hw;
      window_scales(x + in * c * hw, ic, c, hw, p_, s_pow.data() + offset);
      for (int64_t i = 0; i < hw; ++i) {
        const double s = s_pow[offset + i];
        s_pow[offset + i] = std::pow(s, -p_.beta);
        r[offset + i] = double(dy[offset + i]) * double(x[offset + i]) * s_pow[offset + i] / s;
      }
    }
  }

  const double coefficient = 2.0 * p_.alpha * p_.beta / double(p_.local_size);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t in = 0; in < n; ++in) {
    for (int64_t ic = 0; ic < c; ++ic) {
      std::vector<double> sum(static_cast<size_t>(hw), 0.0);
      const ChannelWindow win = channel_window(ic, p_.local_size, c);
      for (int64_t cc = win.begin; cc < win.end; ++cc) {
        const double* rc = r.data() + (in * c + cc) * hw;
        for (int64_t i = 0; i < hw; ++i) sum[i] += rc[i];
      }
      const int64_t offset = (in * c + ic) * hw;
      for (int64_t i = 0; i < hw; ++i)
        dx[offset + i] = static_cast<T>(double(dy[offset + i]) * s_pow[offset + i] -
                                        coefficient * double(x[offset + i]) * sum[i]);
    }
  }
}

template class Lrn<float>;
template class Lrn<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_lrn(KernelRegistry& registry) {
  registry.add_reference<LrnOp, cpu_ref::Lrn>();
}

}  // namespace svertka
