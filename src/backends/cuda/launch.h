// The CUDA backend's own device kernels (elementwise.cu, layers.cu, losses.cu), as host functions
// that queue them on a stream. Plain C++: the kernel files (conv.cc, pooling.cc, ...) call these,
// and only the .cu files are compiled by nvcc. Every pointer is device memory; every function
// returns at once (the work is queued) and reports a bad launch as BackendError.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace svertka::cuda {

// ---- elementwise.cu -------------------------------------------------------------------------

// y = a*x + b*y; b == 0 overwrites y.
void launch_axpby(cudaStream_t stream, int64_t n, float a, const float* x, float b, float* y);

// One parameter's solver step (solver/sgd.h), every rule, each element as sgd_update_on_host.
struct SgdRule {
  enum Type { kSgd, kNesterov, kAdaGrad, kRmsProp, kAdaDelta, kAdam } type = kSgd;
  float rate = 0, decay = 0, momentum = 0, delta = 0, momentum2 = 0, rms_decay = 0;
  float adam_correction = 1;  // sqrt(1 - b2^t) / (1 - m^t), computed on the host as Caffe does
  bool l1 = false;
};
void launch_sgd_update(cudaStream_t stream, const SgdRule& rule, int64_t n, float* w,
                       const float* g, float* h, float* h2);

void launch_relu_forward(cudaStream_t stream, int64_t n, float slope, const float* x, float* y);
void launch_relu_backward(cudaStream_t stream, int64_t n, float slope, const float* y,
                          const float* dy, float* dx);

// Dropout's mask, drawn as cpu_ref draws it: element i is kept when
// to_unit(mix64(key + (i + 1) * golden)) >= ratio, key = stream_key(seed, step). Backward draws
// the same mask again from the same key: no mask is stored.
void launch_dropout(cudaStream_t stream, int64_t n, uint64_t key, double ratio, float scale,
                    const float* in, float* out);

// y[r, :] = bias for each of `rows` rows of `columns` (an inner product's bias).
void launch_broadcast_rows(cudaStream_t stream, int64_t rows, int64_t columns, const float* bias,
                           float* y);
void launch_fill(cudaStream_t stream, int64_t n, float value, float* y);

// ---- layers.cu -------------------------------------------------------------------------------

// Pooling with cpu_ref's windows (Caffe's ceil rule, end padding, its average divisor).
struct PoolShape {
  int64_t planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, pb, pr;
  bool max, exclude_padding;
};
// `argmax` (planes*oh*ow, index in the input plane) is written for max pooling.
void launch_pool_forward(cudaStream_t stream, const PoolShape& p, const float* x, float* y,
                         int32_t* argmax);
// dx is overwritten; each input sums the outputs that cover it in output order, as cpu_ref.
void launch_pool_backward(cudaStream_t stream, const PoolShape& p, const float* dy,
                          const int32_t* argmax, float* dx);

// LRN across channels, Caffe's formula: s = k + alpha/n * sum of x^2 over the window.
struct LrnShape {
  int64_t n, c, hw, local_size;
  double alpha, beta, k;
};
void launch_lrn_forward(cudaStream_t stream, const LrnShape& p, const float* x, float* y);
void launch_lrn_backward(cudaStream_t stream, const LrnShape& p, const float* x, const float* dy,
                         float* dx);

// Softmax over `channels` of (outer, channels, inner).
void launch_softmax_forward(cudaStream_t stream, int64_t outer, int64_t channels, int64_t inner,
                            const float* x, float* y);
void launch_softmax_backward(cudaStream_t stream, int64_t outer, int64_t channels, int64_t inner,
                             const float* y, const float* dy, float* dx);

// BatchNorm over (n, channels, inner). `stats` holds 2*channels doubles: mean, then variance.
struct BatchNormShape {
  int64_t n, channels, inner;
  double eps, momentum;
};
void launch_batch_norm_statistics(cudaStream_t stream, const BatchNormShape& p, const float* x,
                                  double* stats);
void launch_batch_norm_from_running(cudaStream_t stream, int64_t channels, const float* mean,
                                    const float* var, double* stats);
void launch_batch_norm_update_running(cudaStream_t stream, const BatchNormShape& p,
                                      const double* stats, float* mean, float* var);
// weight and bias null when not affine.
void launch_batch_norm_forward(cudaStream_t stream, const BatchNormShape& p, const double* stats,
                               const float* weight, const float* bias, const float* x, float* y);
// dweight, dbias, dx may be null; `sums` holds 2*channels doubles of scratch.
void launch_batch_norm_backward(cudaStream_t stream, const BatchNormShape& p, bool global,
                                const double* stats, const float* weight, const float* x,
                                const float* dy, double* sums, float* dweight, float* dbias,
                                float* dx);

// ---- losses.cu -------------------------------------------------------------------------------

// The first position whose label is neither ignored nor a class index, or -1: what a loss or
// accuracy kernel writes to `bad_label` for the host to report.
//
// SoftmaxWithLoss: `prob` = softmax(scores); targets[i] = class or -1 (ignored); loss[0] the mean
// over valid positions of -log(max(p, FLT_MIN)); valid[0] their count.
void launch_softmax_loss_forward(cudaStream_t stream, int64_t n, int64_t classes, int64_t inner,
                                 bool has_ignore, int64_t ignore_label, const float* labels,
                                 const float* prob, int32_t* targets, int32_t* valid, float* loss,
                                 int64_t* bad_label);
// dx = loss_grad[0] / valid * (p - onehot), 0 at ignored positions.
void launch_softmax_loss_backward(cudaStream_t stream, int64_t n, int64_t classes, int64_t inner,
                                  const float* prob, const int32_t* targets, const int32_t* valid,
                                  const float* loss_grad, float* dx);
// loss[0] = sum((a - b)^2) / (2 * samples)
void launch_euclidean_forward(cudaStream_t stream, int64_t count, int64_t samples, const float* a,
                              const float* b, float* loss);
// da = loss_grad[0] / samples * (a - b), db = -da (either may be null).
void launch_euclidean_backward(cudaStream_t stream, int64_t count, int64_t samples,
                               const float* a, const float* b, const float* loss_grad, float* da,
                               float* db);
// Caffe's top-k rule: correct when fewer than top_k classes score strictly higher. bad_label[0]:
// the first sample whose label is no class index, bad_label[1]: the first counted sample with a
// score that is not finite (-1: none).
void launch_accuracy(cudaStream_t stream, int64_t n, int64_t classes, int64_t top_k,
                     bool has_ignore, int64_t ignore_label, const float* scores,
                     const float* labels, float* accuracy, int64_t* bad_label);

}  // namespace svertka::cuda
