#include "backends/cpu_ref/conv.h"

#include <algorithm>

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {
namespace {

// The output columns [ow_begin, ow_end) whose input column ow*sw - pw + kx lies inside [0, w).
struct ValidRange {
  int64_t begin, end;
};
ValidRange valid_outputs(int64_t offset, int64_t stride, int64_t in_size, int64_t out_size) {
  // input index = o*stride + offset must satisfy 0 <= index < in_size
  int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t end = in_size - offset <= 0 ? 0 : (in_size - offset - 1) / stride + 1;
  return {std::min(begin, out_size), std::min(std::max(end, begin), out_size)};
}

}  // namespace

template <class T>
void Conv<T>::forward(const ForwardArgs<T>& args) {
  const ConvGeometry& g = g_;
  const T* x = args.inputs[0]->data();
  const T* w = args.params[0]->data();
  const T* b = bias_ ? args.params[1]->data() : nullptr;
  T* y = args.outputs[0]->data();
  const int64_t cg = g.c_per_group(), og = g.o_per_group();

#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t o = 0; o < g.o; ++o) {
      T* yo = y + (n * g.o + o) * g.oh * g.ow;
      std::fill(yo, yo + g.oh * g.ow, b ? b[o] : T(0));
      const int64_t group = o / og;
      for (int64_t ci = 0; ci < cg; ++ci) {
        const int64_t c = group * cg + ci;
        const T* xc = x + (n * g.c + c) * g.h * g.w;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const ValidRange rows = valid_outputs(ky - g.ph, g.sh, g.h, g.oh);
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const ValidRange cols = valid_outputs(kx - g.pw, g.sw, g.w, g.ow);
            const T wv = w[((o * cg + ci) * g.kh + ky) * g.kw + kx];
            for (int64_t oy = rows.begin; oy < rows.end; ++oy) {
              const T* xrow = xc + (oy * g.sh + ky - g.ph) * g.w + (kx - g.pw);
              T* yrow = yo + oy * g.ow;
              for (int64_t ox = cols.begin; ox < cols.end; ++ox) yrow[ox] += wv * xrow[ox * g.sw];
            }
          }
        }
      }
    }
  }
}

template <class T>
void Conv<T>::backward(const BackwardArgs<T>& args) {
  const ConvGeometry& g = g_;
  const T* x = args.inputs[0]->data();
  const T* w = args.params[0]->data();
  const T* dy = args.output_grads[0]->data();
  const int64_t cg = g.c_per_group(), og = g.o_per_group();

  if (BasicTensor<T>* dx_tensor = args.input_grads[0]) {
    T* dx = dx_tensor->data();
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t c = 0; c < g.c; ++c) {
        T* dxc = dx + (n * g.c + c) * g.h * g.w;
        std::fill(dxc, dxc + g.h * g.w, T(0));
        const int64_t group = c / cg, ci = c % cg;
        for (int64_t o = group * og; o < (group + 1) * og; ++o) {
          const T* dyo = dy + (n * g.o + o) * g.oh * g.ow;
          for (int64_t ky = 0; ky < g.kh; ++ky) {
            const ValidRange rows = valid_outputs(ky - g.ph, g.sh, g.h, g.oh);
            for (int64_t kx = 0; kx < g.kw; ++kx) {
              const ValidRange cols = valid_outputs(kx - g.pw, g.sw, g.w, g.ow);
              const T wv = w[((o * cg + ci) * g.kh + ky) * g.kw + kx];
              for (int64_t oy = rows.begin; oy < rows.end; ++oy) {
                T* dxrow = dxc + (oy * g.sh + ky - g.ph) * g.w + (kx - g.pw);
                const T* dyrow = dyo + oy * g.ow;
                for (int64_t ox = cols.begin; ox < cols.end; ++ox)
                  dxrow[ox * g.sw] += wv * dyrow[ox];
              }
            }
          }
        }
      }
    }
  }

  BasicTensor<T>* dw_tensor = args.param_grads.empty() ? nullptr : args.param_grads[0];
  if (dw_tensor) {
    T* dw = dw_tensor->data();
#pragma omp parallel for schedule(static)
    for (int64_t o = 0; o < g.o; ++o) {
      const int64_t group = o / og;
      for (int64_t ci = 0; ci < cg; ++ci) {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const ValidRange rows = valid_outputs(ky - g.ph, g.sh, g.h, g.oh);
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const ValidRange cols = valid_outputs(kx - g.pw, g.sw, g.w, g.ow);
            double sum = 0;  // long sums (N*OH*OW terms): accumulate in double
            for (int64_t n = 0; n < g.n; ++n) {
              const T* xc = x + (n * g.c + group * cg + ci) * g.h * g.w;
              const T* dyo = dy + (n * g.o + o) * g.oh * g.ow;
              for (int64_t oy = rows.begin; oy < rows.end; ++oy) {
                const T* xrow = xc + (oy * g.sh + ky - g.ph) * g.w + (kx - g.pw);
                const T* dyrow = dyo + oy * g.ow;
                for (int64_t ox = cols.begin; ox < cols.end; ++ox)
                  sum += dyrow[ox] * xrow[ox * g.sw];
              }
            }
            dw[((o * cg + ci) * g.kh + ky) * g.kw + kx] = static_cast<T>(sum);
          }
        }
      }
    }
  }

  BasicTensor<T>* db_tensor = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
  if (db_tensor) {
    T* db = db_tensor->data();
    for (int64_t o = 0; o < g.o; ++o) {
      double sum = 0;
      for (int64_t n = 0; n < g.n; ++n) {
        const T* dyo = dy + (n * g.o + o) * g.oh * g.ow;
        for (int64_t i = 0; i < g.oh * g.ow; ++i) sum += dyo[i];
      }
      db[o] = static_cast<T>(sum);
    }
  }
}

template class Conv<float>;
template class Conv<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_conv(KernelRegistry& registry) {
  registry.add_reference<ConvOp, cpu_ref::Conv>();
}

}  // namespace svertka
