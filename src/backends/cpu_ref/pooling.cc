#include "backends/cpu_ref/pooling.h"

#include <algorithm>

#include "svertka/error.h"
#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {
namespace {

// One axis of the window of output o: the input cells [begin, end) it covers, and the extent the
// average divides by: Caffe's, measured before clipping to the input, counts padded cells but stops
// at in + pad_end; with exclude_padding only the real cells count.
struct Span {
  int64_t begin, end, divisor_extent;
};
Span window(int64_t o, int64_t stride, int64_t pad, int64_t pad_end, int64_t kernel, int64_t in,
            bool exclude_padding) {
  const int64_t start = o * stride - pad;
  const int64_t stop = std::min(start + kernel, in + pad_end);
  const int64_t begin = std::max<int64_t>(start, 0), end = std::min(stop, in);
  return {begin, end, exclude_padding ? end - begin : stop - start};
}

}  // namespace

template <class T>
void Pool<T>::forward(const ForwardArgs<T>& args) {
  const PoolGeometry& g = g_;
  const T* x = args.inputs[0]->data();
  T* y = args.outputs[0]->data();
  const bool max = method_ == PoolMethod::kMax;
  if (max) argmax_.assign(static_cast<size_t>(g.n * g.c * g.oh * g.ow), 0);

#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n * g.c; ++plane) {
    const T* xp = x + plane * g.h * g.w;
    T* yp = y + plane * g.oh * g.ow;
    int64_t* ap = max ? argmax_.data() + plane * g.oh * g.ow : nullptr;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span rows = window(oy, g.sh, g.ph, g.pb, g.kh, g.h, exclude_padding_);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Span cols = window(ox, g.sw, g.pw, g.pr, g.kw, g.w, exclude_padding_);
        if (max) {
          // pad < kernel and the drop-last-window rule leave every window a real cell.
          int64_t best = rows.begin * g.w + cols.begin;
          for (int64_t iy = rows.begin; iy < rows.end; ++iy)
            for (int64_t ix = cols.begin; ix < cols.end; ++ix)
              if (xp[iy * g.w + ix] > xp[best]) best = iy * g.w + ix;  // strict: first max wins
          yp[oy * g.ow + ox] = xp[best];
          ap[oy * g.ow + ox] = best;
        } else {
          double sum = 0;
          for (int64_t iy = rows.begin; iy < rows.end; ++iy)
            for (int64_t ix = cols.begin; ix < cols.end; ++ix) sum += xp[iy * g.w + ix];
          yp[oy * g.ow + ox] =
              static_cast<T>(sum / double(rows.divisor_extent * cols.divisor_extent));
        }
      }
    }
  }
}

template <class T>
void Pool<T>::backward(const BackwardArgs<T>& args) {
  BasicTensor<T>* dx_tensor = args.input_grads[0];
  if (!dx_tensor) return;
  const PoolGeometry& g = g_;
  const bool max = method_ == PoolMethod::kMax;
  if (max && argmax_.empty()) throw Error(label_ + ": max pooling backward needs a forward first");
  const T* dy = args.output_grads[0]->data();
  T* dx = dx_tensor->data();

#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < g.n * g.c; ++plane) {
    T* dxp = dx + plane * g.h * g.w;
    const T* dyp = dy + plane * g.oh * g.ow;
    std::fill(dxp, dxp + g.h * g.w, T(0));
    if (max) {
      const int64_t* ap = argmax_.data() + plane * g.oh * g.ow;
      for (int64_t o = 0; o < g.oh * g.ow; ++o) dxp[ap[o]] += dyp[o];
      continue;
    }
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const Span rows = window(oy, g.sh, g.ph, g.pb, g.kh, g.h, exclude_padding_);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Span cols = window(ox, g.sw, g.pw, g.pr, g.kw, g.w, exclude_padding_);
        const T share = dyp[oy * g.ow + ox] / T(rows.divisor_extent * cols.divisor_extent);
        for (int64_t iy = rows.begin; iy < rows.end; ++iy)
          for (int64_t ix = cols.begin; ix < cols.end; ++ix) dxp[iy * g.w + ix] += share;
      }
    }
  }
}

template class Pool<float>;
template class Pool<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_pooling(KernelRegistry& registry) {
  registry.add_reference<PoolOp, cpu_ref::Pool>();
}

}  // namespace svertka
