// Device kernels of the layers cuDNN does not compute as cpu_ref does: pooling with Caffe's ceil
// rule and divisor, LRN with Caffe's formula, softmax, BatchNorm. Each follows its cpu_ref kernel
// (src/backends/cpu_ref/<op>.cc) term by term, the sums in double where the reference's are.
#include <cfloat>

#include "backends/cuda/kernel_support.cuh"
#include "backends/cuda/launch.h"

namespace svertka::cuda {

namespace {

// ---- pooling: cpu_ref's window() ----
// Index is int where every index fits (a 64-bit division costs a GPU tens of instructions, and
// these kernels divide several times per element), int64_t otherwise; the sums are the same.
template <class Index>
struct Span {
  Index begin, end, divisor_extent;
};
template <class Index>
__device__ Span<Index> window(Index o, Index stride, Index pad, Index pad_end, Index kernel,
                              Index in, bool exclude_padding) {
  const Index start = o * stride - pad;
  const Index stop = min(start + kernel, in + pad_end);
  const Index begin = max(start, Index(0)), end = min(stop, in);
  return {begin, end, exclude_padding ? end - begin : stop - start};
}

// PoolShape in the kernel's index type.
template <class Index>
struct PoolIndexShape {
  Index planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, pb, pr;
  bool max, exclude_padding;
  explicit PoolIndexShape(const PoolShape& p)
      : planes(Index(p.planes)),
        h(Index(p.h)),
        w(Index(p.w)),
        oh(Index(p.oh)),
        ow(Index(p.ow)),
        kh(Index(p.kh)),
        kw(Index(p.kw)),
        sh(Index(p.sh)),
        sw(Index(p.sw)),
        ph(Index(p.ph)),
        pw(Index(p.pw)),
        pb(Index(p.pb)),
        pr(Index(p.pr)),
        max(p.max),
        exclude_padding(p.exclude_padding) {}
};

template <class Index>
__global__ void pool_forward_kernel(PoolIndexShape<Index> p, const float* x, float* y,
                                    int32_t* argmax) {
  const Index total = p.planes * p.oh * p.ow;
  for (Index index = Index(blockIdx.x) * Index(blockDim.x) + Index(threadIdx.x); index < total;
       index += Index(blockDim.x) * Index(gridDim.x)) {
    const Index ox = index % p.ow, oy = index / p.ow % p.oh, plane = index / (p.ow * p.oh);
    const float* xp = x + int64_t(plane) * p.h * p.w;
    const Span<Index> rows = window(oy, p.sh, p.ph, p.pb, p.kh, p.h, p.exclude_padding);
    const Span<Index> cols = window(ox, p.sw, p.pw, p.pr, p.kw, p.w, p.exclude_padding);
    if (p.max) {
      Index best = rows.begin * p.w + cols.begin;
      float best_value = xp[best];
      for (Index iy = rows.begin; iy < rows.end; ++iy)
        for (Index ix = cols.begin; ix < cols.end; ++ix)
          if (xp[iy * p.w + ix] > best_value) {  // strict: the first max wins
            best = iy * p.w + ix;
            best_value = xp[best];
          }
      y[index] = best_value;
      argmax[index] = int32_t(best);
    } else {
      double sum = 0;
      for (Index iy = rows.begin; iy < rows.end; ++iy)
        for (Index ix = cols.begin; ix < cols.end; ++ix) sum += xp[iy * p.w + ix];
      y[index] = float(sum / double(rows.divisor_extent * cols.divisor_extent));
    }
  }
}

// The outputs [first, last) along one axis whose window covers input cell i: start <= i <
// start + kernel, start = o*stride - pad (the clip to in + pad_end never excludes a real cell).
template <class Index>
__device__ void covering(Index i, Index stride, Index pad, Index kernel, Index outputs,
                         Index& first, Index& last) {
  first = i + pad < kernel ? 0 : (i + pad - kernel) / stride + 1;
  last = min((i + pad) / stride + 1, outputs);
}

// Each input cell gathers the gradients of the outputs covering it, in output order: the order
// in which cpu_ref adds them, so the sums agree bitwise.
template <class Index>
__global__ void pool_backward_kernel(PoolIndexShape<Index> p, const float* dy,
                                     const int32_t* argmax, float* dx) {
  const Index total = p.planes * p.h * p.w;
  for (Index index = Index(blockIdx.x) * Index(blockDim.x) + Index(threadIdx.x); index < total;
       index += Index(blockDim.x) * Index(gridDim.x)) {
    const Index ix = index % p.w, iy = index / p.w % p.h, plane = index / (p.w * p.h);
    const int64_t plane_offset = int64_t(plane) * p.oh * p.ow;
    const float* dyp = dy + plane_offset;
    Index oy0, oy1, ox0, ox1;
    covering(iy, p.sh, p.ph, p.kh, p.oh, oy0, oy1);
    covering(ix, p.sw, p.pw, p.kw, p.ow, ox0, ox1);
    const int32_t cell = int32_t(iy * p.w + ix);
    float sum = 0;
    for (Index oy = oy0; oy < oy1; ++oy)
      for (Index ox = ox0; ox < ox1; ++ox) {
        const Index o = oy * p.ow + ox;
        if (p.max) {
          if (argmax[plane_offset + o] == cell) sum += dyp[o];
        } else {
          const Span<Index> rows = window(oy, p.sh, p.ph, p.pb, p.kh, p.h, p.exclude_padding);
          const Span<Index> cols = window(ox, p.sw, p.pw, p.pr, p.kw, p.w, p.exclude_padding);
          if (iy < rows.begin || iy >= rows.end || ix < cols.begin || ix >= cols.end) continue;
          sum += dyp[o] / float(rows.divisor_extent * cols.divisor_extent);
        }
      }
    dx[index] = sum;
  }
}

// ---- LRN: cpu_ref's channel_window() and window_scales() ----
// One thread per column (image n, pixel i) walks the channels, so that the threads of a warp read
// neighbouring pixels and nothing is divided per element.
__device__ double lrn_scale(const LrnShape& p, const float* column, int64_t c) {
  const int64_t pre_pad = (p.local_size - 1) / 2;
  const int64_t begin = max(c - pre_pad, int64_t(0)), end = min(c - pre_pad + p.local_size, p.c);
  double sum = 0;
  for (int64_t cc = begin; cc < end; ++cc) {
    const double v = column[cc * p.hw];
    sum += v * v;
  }
  return p.k + p.alpha / double(p.local_size) * sum;
}

__global__ void lrn_forward_kernel(LrnShape p, const float* x, float* y) {
  SVERTKA_GRID_LOOP(column, p.n * p.hw) {
    const int64_t offset = column / p.hw * p.c * p.hw + column % p.hw;
    for (int64_t c = 0; c < p.c; ++c) {
      const double s = lrn_scale(p, x + offset, c);
      y[offset + c * p.hw] = float(double(x[offset + c * p.hw]) * pow(s, -p.beta));
    }
  }
}

// dx_j = dy_j s_j^-beta - (2 alpha beta / n) x_j sum_{i in W(j)} dy_i x_i s_i^(-beta-1), with every
// s recomputed from x (no buffer kept between forward and backward). Each term
// t_i = dy_i x_i s_i^(-beta-1) is computed once, as the walk reaches the end of a window, and kept
// in a ring of the last local_size terms; the window's sum adds them in channel order, as cpu_ref.
inline constexpr int kLrnRing = 32;  // the largest local_size of the ring kernel

__global__ void lrn_backward_kernel(LrnShape p, const float* x, const float* dy, float* dx) {
  const int64_t pre_pad = (p.local_size - 1) / 2, post = p.local_size - 1 - pre_pad;
  const double coefficient = 2.0 * p.alpha * p.beta / double(p.local_size);
  SVERTKA_GRID_LOOP(column, p.n * p.hw) {
    const int64_t offset = column / p.hw * p.c * p.hw + column % p.hw;
    const float* xc = x + offset;
    const float* dyc = dy + offset;
    double term[kLrnRing], power[kLrnRing];  // t_i and s_i^-beta of channel i at [i % local_size]
    int64_t computed = 0;                    // terms of channels [0, computed) are in the ring
    for (int64_t c = 0; c < p.c; ++c) {
      const int64_t begin = max(c - pre_pad, int64_t(0)), end = min(c + post + 1, p.c);
      for (; computed < end; ++computed) {
        const double s = lrn_scale(p, xc, computed);
        const double s_beta = pow(s, -p.beta);
        const int64_t k = computed * p.hw;
        term[computed % p.local_size] = double(dyc[k]) * double(xc[k]) * s_beta / s;
        power[computed % p.local_size] = s_beta;
      }
      double sum = 0;
      for (int64_t cc = begin; cc < end; ++cc) sum += term[cc % p.local_size];
      const int64_t k = c * p.hw;
      dx[offset + k] =
          float(double(dyc[k]) * power[c % p.local_size] - coefficient * double(xc[k]) * sum);
    }
  }
}

// The same with every s recomputed for each term: any local_size.
__global__ void lrn_backward_any_size_kernel(LrnShape p, const float* x, const float* dy,
                                             float* dx) {
  const int64_t pre_pad = (p.local_size - 1) / 2;
  const double coefficient = 2.0 * p.alpha * p.beta / double(p.local_size);
  SVERTKA_GRID_LOOP(column, p.n * p.hw) {
    const int64_t offset = column / p.hw * p.c * p.hw + column % p.hw;
    const float* xc = x + offset;
    const float* dyc = dy + offset;
    for (int64_t c = 0; c < p.c; ++c) {
      const int64_t begin = max(c - pre_pad, int64_t(0)),
                    end = min(c - pre_pad + p.local_size, p.c);
      double sum = 0;
      for (int64_t cc = begin; cc < end; ++cc) {
        const double s = lrn_scale(p, xc, cc);
        sum += double(dyc[cc * p.hw]) * double(xc[cc * p.hw]) * pow(s, -p.beta) / s;
      }
      const double s = lrn_scale(p, xc, c);
      dx[offset + c * p.hw] =
          float(double(dyc[c * p.hw]) * pow(s, -p.beta) - coefficient * double(xc[c * p.hw]) * sum);
    }
  }
}

// ---- softmax: one block per (outer, inner) position, cpu_ref's softmax_forward ----
__device__ float block_max(float value) {
  __shared__ float partial[kThreads];
  partial[threadIdx.x] = value;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (int(threadIdx.x) < half)
      partial[threadIdx.x] = fmaxf(partial[threadIdx.x], partial[threadIdx.x + half]);
    __syncthreads();
  }
  const float total = partial[0];
  __syncthreads();
  return total;
}

__global__ void softmax_forward_kernel(int64_t channels, int64_t inner, const float* x, float* y) {
  const int64_t o = blockIdx.x / inner, s = blockIdx.x % inner;
  const float* xs = x + o * channels * inner + s;
  float* ys = y + o * channels * inner + s;
  float local_max = -FLT_MAX;
  for (int64_t c = threadIdx.x; c < channels; c += kThreads)
    local_max = fmaxf(local_max, xs[c * inner]);
  const float max = block_max(local_max);
  double local_sum = 0;
  for (int64_t c = threadIdx.x; c < channels; c += kThreads) {
    ys[c * inner] = expf(xs[c * inner] - max);
    local_sum += ys[c * inner];
  }
  const float scale = float(1.0 / block_sum(local_sum));
  for (int64_t c = threadIdx.x; c < channels; c += kThreads) ys[c * inner] *= scale;
}

__global__ void softmax_backward_kernel(int64_t channels, int64_t inner, const float* y,
                                        const float* dy, float* dx) {
  const int64_t base = blockIdx.x / inner * channels * inner + blockIdx.x % inner;
  double local_dot = 0;
  for (int64_t c = threadIdx.x; c < channels; c += kThreads)
    local_dot += double(dy[base + c * inner]) * y[base + c * inner];
  const double dot = block_sum(local_dot);
  for (int64_t c = threadIdx.x; c < channels; c += kThreads) {
    const int64_t i = base + c * inner;
    dx[i] = float(y[i] * (dy[i] - dot));
  }
}

// ---- BatchNorm: one block per channel for the sums, cpu_ref's two-pass statistics ----
__global__ void batch_norm_statistics_kernel(BatchNormShape p, const float* x, double* stats) {
  const int64_t c = blockIdx.x, m = p.n * p.inner;
  double local = 0;
  for (int64_t k = threadIdx.x; k < m; k += kThreads)
    local += x[(k / p.inner * p.channels + c) * p.inner + k % p.inner];
  const double mean = block_sum(local) / double(m);
  local = 0;
  for (int64_t k = threadIdx.x; k < m; k += kThreads) {
    const double d = x[(k / p.inner * p.channels + c) * p.inner + k % p.inner] - mean;
    local += d * d;
  }
  const double var = block_sum(local) / double(m);
  if (threadIdx.x == 0) {
    stats[c] = mean;
    stats[p.channels + c] = var;
  }
}

__global__ void batch_norm_from_running_kernel(int64_t channels, const float* mean,
                                               const float* var, double* stats) {
  SVERTKA_GRID_LOOP(c, channels) {
    stats[c] = mean[c];
    stats[channels + c] = var[c];
  }
}

__global__ void batch_norm_update_running_kernel(BatchNormShape p, const double* stats, float* mean,
                                                 float* var) {
  const double m = double(p.n * p.inner), unbiased = m > 1 ? m / (m - 1) : 1;
  SVERTKA_GRID_LOOP(c, p.channels) {
    mean[c] = float((1 - p.momentum) * mean[c] + p.momentum * stats[c]);
    var[c] = float((1 - p.momentum) * var[c] + p.momentum * stats[p.channels + c] * unbiased);
  }
}

__global__ void batch_norm_forward_kernel(BatchNormShape p, const double* stats,
                                          const float* weight, const float* bias, const float* x,
                                          float* y) {
  SVERTKA_GRID_LOOP(k, p.n * p.channels * p.inner) {
    const int64_t c = k / p.inner % p.channels;
    const double inv_std = 1 / sqrt(stats[p.channels + c] + p.eps);
    const float normalised = float((x[k] - stats[c]) * inv_std);
    y[k] = weight ? normalised * weight[c] + bias[c] : normalised;
  }
}

__global__ void batch_norm_sums_kernel(BatchNormShape p, const double* stats, const float* x,
                                       const float* dy, double* sums) {
  const int64_t c = blockIdx.x, m = p.n * p.inner;
  const double mean = stats[c], inv_std = 1 / sqrt(stats[p.channels + c] + p.eps);
  double sum_dy = 0, sum_dy_normalised = 0;
  for (int64_t k = threadIdx.x; k < m; k += kThreads) {
    const int64_t at = (k / p.inner * p.channels + c) * p.inner + k % p.inner;
    sum_dy += dy[at];
    sum_dy_normalised += dy[at] * (x[at] - mean) * inv_std;
  }
  sum_dy = block_sum(sum_dy);
  sum_dy_normalised = block_sum(sum_dy_normalised);
  if (threadIdx.x == 0) {
    sums[c] = sum_dy;
    sums[p.channels + c] = sum_dy_normalised;
  }
}

__global__ void batch_norm_param_grads_kernel(int64_t channels, const double* sums, float* dweight,
                                              float* dbias) {
  SVERTKA_GRID_LOOP(c, channels) {
    if (dweight) dweight[c] = float(sums[channels + c]);
    if (dbias) dbias[c] = float(sums[c]);
  }
}

__global__ void batch_norm_input_grad_kernel(BatchNormShape p, bool global, const double* stats,
                                             const float* weight, const float* x, const float* dy,
                                             const double* sums, float* dx) {
  const double m = double(p.n * p.inner);
  SVERTKA_GRID_LOOP(k, p.n * p.channels * p.inner) {
    const int64_t c = k / p.inner % p.channels;
    const double mean = stats[c], inv_std = 1 / sqrt(stats[p.channels + c] + p.eps);
    const double normalised = (x[k] - mean) * inv_std;
    const double through_stats = global ? 0 : (sums[c] + normalised * sums[p.channels + c]) / m;
    dx[k] = float((weight ? double(weight[c]) : 1.0) * inv_std * (dy[k] - through_stats));
  }
}

}  // namespace

namespace {

bool fits_int(int64_t n) {
  return n < int64_t(INT32_MAX);
}

}  // namespace

void launch_pool_forward(cudaStream_t stream, const PoolShape& p, const float* x, float* y,
                         int32_t* argmax) {
  const int64_t n = p.planes * p.oh * p.ow;
  if (n == 0) return;
  if (fits_int(n) && fits_int(p.planes * p.h * p.w))
    pool_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(PoolIndexShape<int>(p), x, y,
                                                                argmax);
  else
    pool_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(PoolIndexShape<int64_t>(p), x, y,
                                                                argmax);
  SVERTKA_LAUNCHED("pool_forward");
}

void launch_pool_backward(cudaStream_t stream, const PoolShape& p, const float* dy,
                          const int32_t* argmax, float* dx) {
  const int64_t n = p.planes * p.h * p.w;
  if (n == 0) return;
  if (fits_int(n) && fits_int(p.planes * p.oh * p.ow))
    pool_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(PoolIndexShape<int>(p), dy, argmax,
                                                                 dx);
  else
    pool_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(PoolIndexShape<int64_t>(p), dy,
                                                                 argmax, dx);
  SVERTKA_LAUNCHED("pool_backward");
}

void launch_lrn_forward(cudaStream_t stream, const LrnShape& p, const float* x, float* y) {
  const int64_t columns = p.n * p.hw;
  if (columns == 0 || p.c == 0) return;
  lrn_forward_kernel<<<blocks_for(columns), kThreads, 0, stream>>>(p, x, y);
  SVERTKA_LAUNCHED("lrn_forward");
}

void launch_lrn_backward(cudaStream_t stream, const LrnShape& p, const float* x, const float* dy,
                         float* dx) {
  const int64_t columns = p.n * p.hw;
  if (columns == 0 || p.c == 0) return;
  if (p.local_size <= kLrnRing)
    lrn_backward_kernel<<<blocks_for(columns), kThreads, 0, stream>>>(p, x, dy, dx);
  else
    lrn_backward_any_size_kernel<<<blocks_for(columns), kThreads, 0, stream>>>(p, x, dy, dx);
  SVERTKA_LAUNCHED("lrn_backward");
}

void launch_softmax_forward(cudaStream_t stream, int64_t outer, int64_t channels, int64_t inner,
                            const float* x, float* y) {
  if (outer * inner == 0 || channels == 0) return;
  softmax_forward_kernel<<<unsigned(outer * inner), kThreads, 0, stream>>>(channels, inner, x, y);
  SVERTKA_LAUNCHED("softmax_forward");
}

void launch_softmax_backward(cudaStream_t stream, int64_t outer, int64_t channels, int64_t inner,
                             const float* y, const float* dy, float* dx) {
  if (outer * inner == 0 || channels == 0) return;
  softmax_backward_kernel<<<unsigned(outer * inner), kThreads, 0, stream>>>(channels, inner, y, dy,
                                                                            dx);
  SVERTKA_LAUNCHED("softmax_backward");
}

void launch_batch_norm_statistics(cudaStream_t stream, const BatchNormShape& p, const float* x,
                                  double* stats) {
  if (p.channels == 0) return;
  batch_norm_statistics_kernel<<<unsigned(p.channels), kThreads, 0, stream>>>(p, x, stats);
  SVERTKA_LAUNCHED("batch_norm_statistics");
}

void launch_batch_norm_from_running(cudaStream_t stream, int64_t channels, const float* mean,
                                    const float* var, double* stats) {
  if (channels == 0) return;
  batch_norm_from_running_kernel<<<blocks_for(channels), kThreads, 0, stream>>>(channels, mean, var,
                                                                                stats);
  SVERTKA_LAUNCHED("batch_norm_from_running");
}

void launch_batch_norm_update_running(cudaStream_t stream, const BatchNormShape& p,
                                      const double* stats, float* mean, float* var) {
  if (p.channels == 0) return;
  batch_norm_update_running_kernel<<<blocks_for(p.channels), kThreads, 0, stream>>>(p, stats, mean,
                                                                                    var);
  SVERTKA_LAUNCHED("batch_norm_update_running");
}

void launch_batch_norm_forward(cudaStream_t stream, const BatchNormShape& p, const double* stats,
                               const float* weight, const float* bias, const float* x, float* y) {
  const int64_t n = p.n * p.channels * p.inner;
  if (n == 0) return;
  batch_norm_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, stats, weight, bias, x, y);
  SVERTKA_LAUNCHED("batch_norm_forward");
}

void launch_batch_norm_backward(cudaStream_t stream, const BatchNormShape& p, bool global,
                                const double* stats, const float* weight, const float* x,
                                const float* dy, double* sums, float* dweight, float* dbias,
                                float* dx) {
  const int64_t n = p.n * p.channels * p.inner;
  if (n == 0) return;
  batch_norm_sums_kernel<<<unsigned(p.channels), kThreads, 0, stream>>>(p, stats, x, dy, sums);
  SVERTKA_LAUNCHED("batch_norm_sums");
  if (dweight || dbias) {
    batch_norm_param_grads_kernel<<<blocks_for(p.channels), kThreads, 0, stream>>>(p.channels, sums,
                                                                                   dweight, dbias);
    SVERTKA_LAUNCHED("batch_norm_param_grads");
  }
  if (dx) {
    batch_norm_input_grad_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, global, stats, weight,
                                                                         x, dy, sums, dx);
    SVERTKA_LAUNCHED("batch_norm_input_grad");
  }
}

}  // namespace svertka::cuda
