// Device kernels of the losses and the accuracy: reductions small enough for one block (a batch's
// labels), written after cpu_ref's kernels. A label that is neither ignored nor a class index is
// not an error the device can raise: its position goes to `bad_label` and the host throws.
#include <cfloat>

#include "backends/cuda/kernel_support.cuh"
#include "backends/cuda/launch.h"

namespace svertka::cuda {

namespace {

// -1 for an ignored label, -2 for an invalid one, else the class.
__device__ int32_t classify_label(float value, int64_t classes, bool has_ignore,
                                  int64_t ignore_label) {
  const double v = value;
  if (has_ignore && v == double(ignore_label)) return -1;
  if (!(v >= 0 && v < double(classes)) || v != floor(v)) return -2;
  return int32_t(v);
}

// One block: the loss over every position, and the first bad label.
__global__ void softmax_loss_forward_kernel(int64_t n, int64_t classes, int64_t inner,
                                            bool has_ignore, int64_t ignore_label,
                                            const float* labels, const float* prob,
                                            int32_t* targets, int32_t* valid, float* loss,
                                            int64_t* bad_label) {
  __shared__ unsigned long long first_bad;
  if (threadIdx.x == 0) first_bad = ~0ull;
  __syncthreads();
  double local_loss = 0;
  int64_t local_valid = 0;
  for (int64_t i = threadIdx.x; i < n * inner; i += kThreads) {
    const int32_t label = classify_label(labels[i], classes, has_ignore, ignore_label);
    targets[i] = label < 0 ? -1 : label;
    if (label == -2) atomicMin(&first_bad, (unsigned long long)i);
    if (label < 0) continue;
    const double p = prob[(i / inner * classes + label) * inner + i % inner];
    local_loss -= log(fmax(p, double(FLT_MIN)));
    ++local_valid;
  }
  const double total = block_sum(local_loss);
  const int64_t count = block_sum(local_valid);
  if (threadIdx.x == 0) {
    valid[0] = int32_t(count);
    loss[0] = float(count > 0 ? total / double(count) : 0.0);
    bad_label[0] = first_bad == ~0ull ? -1 : int64_t(first_bad);
  }
}

__global__ void softmax_loss_backward_kernel(int64_t n, int64_t classes, int64_t inner,
                                             const float* prob, const int32_t* targets,
                                             const int32_t* valid, const float* loss_grad,
                                             float* dx) {
  const float scale = valid[0] > 0 ? loss_grad[0] / float(valid[0]) : 0.0f;
  SVERTKA_GRID_LOOP(i, n * classes * inner) {
    const int64_t s = i % inner, c = i / inner % classes, sample = i / (inner * classes);
    const int32_t label = targets[sample * inner + s];
    dx[i] = label < 0 ? 0.0f : scale * (prob[i] - (c == label ? 1.0f : 0.0f));
  }
}

__global__ void euclidean_forward_kernel(int64_t count, int64_t samples, const float* a,
                                         const float* b, float* loss) {
  double local = 0;
  for (int64_t i = threadIdx.x; i < count; i += kThreads) {
    const double d = double(a[i]) - double(b[i]);
    local += d * d;
  }
  const double sum = block_sum(local);
  if (threadIdx.x == 0) loss[0] = float(sum / (2.0 * double(samples)));
}

__global__ void euclidean_backward_kernel(int64_t count, int64_t samples, const float* a,
                                          const float* b, const float* loss_grad, float* da,
                                          float* db) {
  const float scale = loss_grad[0] / float(samples);
  SVERTKA_GRID_LOOP(i, count) {
    const float g = scale * (a[i] - b[i]);
    if (da) da[i] = g;
    if (db) db[i] = -g;
  }
}

__global__ void accuracy_kernel(int64_t n, int64_t classes, int64_t top_k, bool has_ignore,
                                int64_t ignore_label, const float* scores, const float* labels,
                                float* accuracy, int64_t* bad_label) {
  __shared__ unsigned long long first_bad, first_not_finite;
  if (threadIdx.x == 0) first_bad = first_not_finite = ~0ull;
  __syncthreads();
  int64_t counted = 0, correct = 0;
  for (int64_t sample = threadIdx.x; sample < n; sample += kThreads) {
    const int32_t label = classify_label(labels[sample], classes, has_ignore, ignore_label);
    if (label == -2) atomicMin(&first_bad, (unsigned long long)sample);
    if (label < 0) continue;
    const float* s = scores + sample * classes;
    int64_t higher = 0;
    bool finite = true;
    for (int64_t c = 0; c < classes; ++c) {
      higher += s[c] > s[label] ? 1 : 0;
      finite = finite && isfinite(s[c]);
    }
    if (!finite) atomicMin(&first_not_finite, (unsigned long long)sample);
    ++counted;
    if (higher < top_k) ++correct;
  }
  counted = block_sum(counted);
  correct = block_sum(correct);
  if (threadIdx.x == 0) {
    accuracy[0] = counted > 0 ? float(double(correct) / double(counted)) : 0.0f;
    bad_label[0] = first_bad == ~0ull ? -1 : int64_t(first_bad);
    bad_label[1] = first_not_finite == ~0ull ? -1 : int64_t(first_not_finite);
  }
}

}  // namespace

void launch_softmax_loss_forward(cudaStream_t stream, int64_t n, int64_t classes, int64_t inner,
                                 bool has_ignore, int64_t ignore_label, const float* labels,
                                 const float* prob, int32_t* targets, int32_t* valid, float* loss,
                                 int64_t* bad_label) {
  softmax_loss_forward_kernel<<<1, kThreads, 0, stream>>>(n, classes, inner, has_ignore,
                                                          ignore_label, labels, prob, targets,
                                                          valid, loss, bad_label);
  SVERTKA_LAUNCHED("softmax_loss_forward");
}

void launch_softmax_loss_backward(cudaStream_t stream, int64_t n, int64_t classes, int64_t inner,
                                  const float* prob, const int32_t* targets, const int32_t* valid,
                                  const float* loss_grad, float* dx) {
  const int64_t count = n * classes * inner;
  if (count == 0) return;
  softmax_loss_backward_kernel<<<blocks_for(count), kThreads, 0, stream>>>(
      n, classes, inner, prob, targets, valid, loss_grad, dx);
  SVERTKA_LAUNCHED("softmax_loss_backward");
}

void launch_euclidean_forward(cudaStream_t stream, int64_t count, int64_t samples, const float* a,
                              const float* b, float* loss) {
  euclidean_forward_kernel<<<1, kThreads, 0, stream>>>(count, samples, a, b, loss);
  SVERTKA_LAUNCHED("euclidean_forward");
}

void launch_euclidean_backward(cudaStream_t stream, int64_t count, int64_t samples,
                               const float* a, const float* b, const float* loss_grad, float* da,
                               float* db) {
  if (count == 0) return;
  euclidean_backward_kernel<<<blocks_for(count), kThreads, 0, stream>>>(count, samples, a, b,
                                                                       loss_grad, da, db);
  SVERTKA_LAUNCHED("euclidean_backward");
}

void launch_accuracy(cudaStream_t stream, int64_t n, int64_t classes, int64_t top_k,
                     bool has_ignore, int64_t ignore_label, const float* scores,
                     const float* labels, float* accuracy, int64_t* bad_label) {
  accuracy_kernel<<<1, kThreads, 0, stream>>>(n, classes, top_k, has_ignore, ignore_label, scores,
                                              labels, accuracy, bad_label);
  SVERTKA_LAUNCHED("accuracy");
}

}  // namespace svertka::cuda
