// Device kernels of the layers cuDNN does not compute as cpu_ref does: pooling with Caffe's ceil
// rule and divisor, LRN with Caffe's formula, softmax, BatchNorm. Each follows its cpu_ref kernel
// (src/backends/cpu_ref/<op>.cc) term by term, the sums in double where the reference's are.
#include <cfloat>

#include "backends/cuda/kernel_support.cuh"
#include "backends/cuda/launch.h"

namespace svertka::cuda {

namespace {

// ---- pooling: cpu_ref's window() ----
struct Span {
  int64_t begin, end, divisor_extent;
};
__device__ Span window(int64_t o, int64_t stride, int64_t pad, int64_t pad_end, int64_t kernel,
                       int64_t in, bool exclude_padding) {
  const int64_t start = o * stride - pad;
  const int64_t stop = min(start + kernel, in + pad_end);
  const int64_t begin = max(start, int64_t(0)), end = min(stop, in);
  return {begin, end, exclude_padding ? end - begin : stop - start};
}

__global__ void pool_forward_kernel(PoolShape p, const float* x, float* y, int32_t* argmax) {
  SVERTKA_GRID_LOOP(index, p.planes * p.oh * p.ow) {
    const int64_t ox = index % p.ow, oy = index / p.ow % p.oh, plane = index / (p.ow * p.oh);
    const float* xp = x + plane * p.h * p.w;
    const Span rows = window(oy, p.sh, p.ph, p.pb, p.kh, p.h, p.exclude_padding);
    const Span cols = window(ox, p.sw, p.pw, p.pr, p.kw, p.w, p.exclude_padding);
    if (p.max) {
      int64_t best = rows.begin * p.w + cols.begin;
      for (int64_t iy = rows.begin; iy < rows.end; ++iy)
        for (int64_t ix = cols.begin; ix < cols.end; ++ix)
          if (xp[iy * p.w + ix] > xp[best]) best = iy * p.w + ix;  // strict: first max wins
      y[index] = xp[best];
      argmax[index] = int32_t(best);
    } else {
      double sum = 0;
      for (int64_t iy = rows.begin; iy < rows.end; ++iy)
        for (int64_t ix = cols.begin; ix < cols.end; ++ix) sum += xp[iy * p.w + ix];
      y[index] = float(sum / double(rows.divisor_extent * cols.divisor_extent));
    }
  }
}

// The outputs [first, last) along one axis whose window covers input cell i: start <= i <
// start + kernel, start = o*stride - pad (the clip to in + pad_end never excludes a real cell).
__device__ void covering(int64_t i, int64_t stride, int64_t pad, int64_t kernel, int64_t outputs,
                         int64_t& first, int64_t& last) {
  first = i + pad < kernel ? 0 : (i + pad - kernel) / stride + 1;
  last = min((i + pad) / stride + 1, outputs);
}

// Each input cell gathers the gradients of the outputs covering it, in output order: the order
// in which cpu_ref adds them, so the sums agree bitwise.
__global__ void pool_backward_kernel(PoolShape p, const float* dy, const int32_t* argmax,
                                     float* dx) {
  SVERTKA_GRID_LOOP(index, p.planes * p.h * p.w) {
    const int64_t ix = index % p.w, iy = index / p.w % p.h, plane = index / (p.w * p.h);
    const float* dyp = dy + plane * p.oh * p.ow;
    int64_t oy0, oy1, ox0, ox1;
    covering(iy, p.sh, p.ph, p.kh, p.oh, oy0, oy1);
    covering(ix, p.sw, p.pw, p.kw, p.ow, ox0, ox1);
    float sum = 0;
    for (int64_t oy = oy0; oy < oy1; ++oy)
      for (int64_t ox = ox0; ox < ox1; ++ox) {
        const int64_t o = oy * p.ow + ox;
        if (p.max) {
          if (argmax[plane * p.oh * p.ow + o] == iy * p.w + ix) sum += dyp[o];
        } else {
          const Span rows = window(oy, p.sh, p.ph, p.pb, p.kh, p.h, p.exclude_padding);
          const Span cols = window(ox, p.sw, p.pw, p.pr, p.kw, p.w, p.exclude_padding);
          if (iy < rows.begin || iy >= rows.end || ix < cols.begin || ix >= cols.end) continue;
          sum += dyp[o] / float(rows.divisor_extent * cols.divisor_extent);
        }
      }
    dx[index] = sum;
  }
}

// ---- LRN: cpu_ref's channel_window() and window_scales() ----
__device__ double lrn_scale(const LrnShape& p, const float* xn, int64_t c, int64_t i) {
  const int64_t pre_pad = (p.local_size - 1) / 2;
  const int64_t begin = max(c - pre_pad, int64_t(0)), end = min(c - pre_pad + p.local_size, p.c);
  double sum = 0;
  for (int64_t cc = begin; cc < end; ++cc) {
    const double v = xn[cc * p.hw + i];
    sum += v * v;
  }
  return p.k + p.alpha / double(p.local_size) * sum;
}

__global__ void lrn_forward_kernel(LrnShape p, const float* x, float* y) {
  SVERTKA_GRID_LOOP(index, p.n * p.c * p.hw) {
    const int64_t i = index % p.hw, c = index / p.hw % p.c, n = index / (p.hw * p.c);
    const double s = lrn_scale(p, x + n * p.c * p.hw, c, i);
    y[index] = float(double(x[index]) * pow(s, -p.beta));
  }
}

// dx_j = dy_j s_j^-beta - (2 alpha beta / n) x_j sum_{i in W(j)} dy_i x_i s_i^(-beta-1), with every
// s recomputed from x (no buffer kept between forward and backward).
__global__ void lrn_backward_kernel(LrnShape p, const float* x, const float* dy, float* dx) {
  SVERTKA_GRID_LOOP(index, p.n * p.c * p.hw) {
    const int64_t i = index % p.hw, c = index / p.hw % p.c, n = index / (p.hw * p.c);
    const float* xn = x + n * p.c * p.hw;
    const float* dyn = dy + n * p.c * p.hw;
    const int64_t pre_pad = (p.local_size - 1) / 2;
    const int64_t begin = max(c - pre_pad, int64_t(0)), end = min(c - pre_pad + p.local_size, p.c);
    double sum = 0;
    for (int64_t cc = begin; cc < end; ++cc) {
      const double s = lrn_scale(p, xn, cc, i);
      const int64_t k = cc * p.hw + i;
      sum += double(dyn[k]) * double(xn[k]) * pow(s, -p.beta) / s;
    }
    const double coefficient = 2.0 * p.alpha * p.beta / double(p.local_size);
    const double s = lrn_scale(p, xn, c, i);
    dx[index] = float(double(dy[index]) * pow(s, -p.beta) - coefficient * double(x[index]) * sum);
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
  for (int64_t c = threadIdx.x; c < channels; c += kThreads) local_max = fmaxf(local_max, xs[c * inner]);
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

__global__ void batch_norm_param_grads_kernel(int64_t channels, const double* sums,
                                              float* dweight, float* dbias) {
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

void launch_pool_forward(cudaStream_t stream, const PoolShape& p, const float* x, float* y,
                         int32_t* argmax) {
  const int64_t n = p.planes * p.oh * p.ow;
  if (n == 0) return;
  pool_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, x, y, argmax);
  SVERTKA_LAUNCHED("pool_forward");
}

void launch_pool_backward(cudaStream_t stream, const PoolShape& p, const float* dy,
                          const int32_t* argmax, float* dx) {
  const int64_t n = p.planes * p.h * p.w;
  if (n == 0) return;
  pool_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, dy, argmax, dx);
  SVERTKA_LAUNCHED("pool_backward");
}

void launch_lrn_forward(cudaStream_t stream, const LrnShape& p, const float* x, float* y) {
  const int64_t n = p.n * p.c * p.hw;
  if (n == 0) return;
  lrn_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, x, y);
  SVERTKA_LAUNCHED("lrn_forward");
}

void launch_lrn_backward(cudaStream_t stream, const LrnShape& p, const float* x, const float* dy,
                         float* dx) {
  const int64_t n = p.n * p.c * p.hw;
  if (n == 0) return;
  lrn_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, x, dy, dx);
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
  batch_norm_from_running_kernel<<<blocks_for(channels), kThreads, 0, stream>>>(channels, mean,
                                                                               var, stats);
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
    batch_norm_param_grads_kernel<<<blocks_for(p.channels), kThreads, 0, stream>>>(
        p.channels, sums, dweight, dbias);
    SVERTKA_LAUNCHED("batch_norm_param_grads");
  }
  if (dx) {
    batch_norm_input_grad_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, global, stats, weight,
                                                                        x, dy, sums, dx);
    SVERTKA_LAUNCHED("batch_norm_input_grad");
  }
}

}  // namespace svertka::cuda
