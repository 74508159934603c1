// Elementwise device kernels: the device's axpby and solver step, ReLU, dropout, fills.
// Compiled with --fmad=false (cmake/cuda_component.cmake) so that each element's arithmetic
// rounds as the host's does: a solver step on the GPU equals sgd_update_on_host bitwise.
#include "backends/cuda/kernel_support.cuh"
#include "backends/cuda/launch.h"

namespace svertka::cuda {

namespace {

__global__ void axpby_kernel(int64_t n, float a, const float* x, float b, float* y) {
  if (b == 0.0f) {
    SVERTKA_GRID_LOOP(i, n) y[i] = a * x[i];
  } else {
    SVERTKA_GRID_LOOP(i, n) y[i] = a * x[i] + b * y[i];
  }
}

// The rules of sgd_update_on_host (src/solver/sgd.cc), element by element.
__global__ void sgd_kernel(SgdRule u, int64_t n, float* w, const float* gradient, float* h,
                           float* h2) {
  const float rate = u.rate, m = u.momentum, e = u.delta, q = u.rms_decay, b2 = u.momentum2;
  SVERTKA_GRID_LOOP(i, n) {
    const float sign = float((w[i] > 0) - (w[i] < 0));
    const float g = gradient[i] + u.decay * (u.l1 ? sign : w[i]);
    switch (u.type) {
      case SgdRule::kSgd:
        h[i] = m * h[i] + rate * g;
        w[i] -= h[i];
        break;
      case SgdRule::kNesterov: {
        const float previous = h[i];
        h[i] = m * previous + rate * g;
        w[i] -= (1 + m) * h[i] - m * previous;
        break;
      }
      case SgdRule::kAdaGrad:
        h[i] += g * g;
        w[i] -= rate * (g / (sqrtf(h[i]) + e));
        break;
      case SgdRule::kRmsProp:
        h[i] = q * h[i] + (1 - q) * g * g;
        w[i] -= rate * (g / (sqrtf(h[i]) + e));
        break;
      case SgdRule::kAdaDelta: {
        h[i] = m * h[i] + (1 - m) * g * g;
        const float step = g * sqrtf((h2[i] + e) / (h[i] + e));
        h2[i] = m * h2[i] + (1 - m) * step * step;
        w[i] -= rate * step;
        break;
      }
      case SgdRule::kAdam:
        h[i] = m * h[i] + (1 - m) * g;
        h2[i] = b2 * h2[i] + (1 - b2) * g * g;
        w[i] -= rate * u.adam_correction * (h[i] / (sqrtf(h2[i]) + e));
        break;
    }
  }
}

__global__ void relu_forward_kernel(int64_t n, float slope, const float* x, float* y) {
  SVERTKA_GRID_LOOP(i, n) y[i] = x[i] > 0 ? x[i] : slope * x[i];
}

__global__ void relu_backward_kernel(int64_t n, float slope, const float* y, const float* dy,
                                     float* dx) {
  SVERTKA_GRID_LOOP(i, n) dx[i] = y[i] > 0 ? dy[i] : slope * dy[i];
}

// svertka/hash.h's mix64 and the dropout's draw of src/backends/cpu_ref/dropout.cc.
__device__ uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

__global__ void dropout_kernel(int64_t n, uint64_t key, double ratio, float scale, const float* in,
                               float* out) {
  constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;
  SVERTKA_GRID_LOOP(i, n) {
    const double unit = double(mix64(key + (uint64_t(i) + 1) * kGolden) >> 11) * 0x1.0p-53;
    out[i] = unit >= ratio ? in[i] * scale : 0.0f;
  }
}

__global__ void broadcast_rows_kernel(int64_t rows, int64_t columns, const float* bias, float* y) {
  SVERTKA_GRID_LOOP(i, rows * columns) y[i] = bias[i % columns];
}

__global__ void fill_kernel(int64_t n, float value, float* y) {
  SVERTKA_GRID_LOOP(i, n) y[i] = value;
}

}  // namespace

void launch_axpby(cudaStream_t stream, int64_t n, float a, const float* x, float b, float* y) {
  if (n == 0) return;
  axpby_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, a, x, b, y);
  SVERTKA_LAUNCHED("axpby");
}

void launch_sgd_update(cudaStream_t stream, const SgdRule& rule, int64_t n, float* w,
                       const float* g, float* h, float* h2) {
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream>>>(rule, n, w, g, h, h2);
  SVERTKA_LAUNCHED("sgd_update");
}

void launch_relu_forward(cudaStream_t stream, int64_t n, float slope, const float* x, float* y) {
  if (n == 0) return;
  relu_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, slope, x, y);
  SVERTKA_LAUNCHED("relu_forward");
}

void launch_relu_backward(cudaStream_t stream, int64_t n, float slope, const float* y,
                          const float* dy, float* dx) {
  if (n == 0) return;
  relu_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, slope, y, dy, dx);
  SVERTKA_LAUNCHED("relu_backward");
}

void launch_dropout(cudaStream_t stream, int64_t n, uint64_t key, double ratio, float scale,
                    const float* in, float* out) {
  if (n == 0) return;
  dropout_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, key, ratio, scale, in, out);
  SVERTKA_LAUNCHED("dropout");
}

void launch_broadcast_rows(cudaStream_t stream, int64_t rows, int64_t columns, const float* bias,
                           float* y) {
  if (rows * columns == 0) return;
  broadcast_rows_kernel<<<blocks_for(rows * columns), kThreads, 0, stream>>>(rows, columns, bias, y);
  SVERTKA_LAUNCHED("broadcast_rows");
}

void launch_fill(cudaStream_t stream, int64_t n, float value, float* y) {
  if (n == 0) return;
  fill_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, value, y);
  SVERTKA_LAUNCHED("fill");
}

}  // namespace svertka::cuda
