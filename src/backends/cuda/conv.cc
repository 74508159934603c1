// Convolution on the GPU with cuDNN, groups included. Each direction's algorithm is chosen once per
// shape and device: cuDNN times its candidates on the first call (on the layer's own buffers) and
// the fastest within the device's workspace limit is kept (conv_algorithm.h). Bias is added with
// cudnnAddTensor and its gradient summed by cudnnConvolutionBackwardBias.
#include <vector>

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cudnn_descriptors.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/conv.h"

namespace svertka::cuda {
namespace {

// cuDNN pads both ends alike; ONNX's asymmetric pads stay on the CPU backends.
ConvGeometry symmetric_geometry(const ConvOp& op, const Shape& x) {
  const ConvParams& p = op.params();
  if (p.pad_bottom.value_or(p.pad_h) != p.pad_h || p.pad_right.value_or(p.pad_w) != p.pad_w)
    throw BackendError(op.label() + ": the cuda backend pads both ends alike (cuDNN), and this "
                       "convolution's end padding differs from its begin padding");
  return op.geometry(x);
}

template <class Perf>
std::vector<AlgorithmCandidate> candidates(const Perf* perf, int count, bool tf32) {
  std::vector<AlgorithmCandidate> out;
  for (int i = 0; i < count; ++i) {
    // Without TF32 only full-fp32 arithmetic qualifies (CUDNN_DEFAULT_MATH permits TF32 from the
    // A100 on), whatever cuDNN offers.
    const bool exact = perf[i].mathType == CUDNN_FMA_MATH;
    out.push_back({.algorithm = int(perf[i].algo),
                   .succeeded = perf[i].status == CUDNN_STATUS_SUCCESS && (tf32 || exact),
                   .milliseconds = perf[i].time,
                   .workspace_bytes = perf[i].memory});
  }
  return out;
}

class Conv final : public Kernel {
 public:
  Conv(const ConvOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)),
        g_(symmetric_geometry(op, inputs.at(0))),
        bias_(op.params().bias),
        x_desc_(g_.n, g_.c, g_.h, g_.w),
        y_desc_(g_.n, g_.o, g_.oh, g_.ow),
        bias_desc_(1, g_.o, 1, 1),
        w_desc_(g_.o, g_.c_per_group(), g_.kh, g_.kw),
        conv_desc_(g_.ph, g_.pw, g_.sh, g_.sw, g_.groups, device_.tf32()) {}

  // inputs {x (N, C, H, W)}, params {w (O, C/G, KH, KW), b (O)?}, outputs {y (N, O, OH, OW)}
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    const float* x = args.inputs[0]->data();
    const float* w = args.params[0]->data();
    float* y = args.outputs[0]->data();
    const AlgorithmChoice algo = choose(ConvDirection::kForward, [&](void* ws, size_t bytes) {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      int found = 0;
      SVERTKA_CUDA_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
          device_.cudnn(), x_desc_.get(), x, w_desc_.get(), w, conv_desc_.get(), y_desc_.get(), y,
          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf, ws, bytes));
      return candidates(perf, found, device_.tf32());
    });
    const float one = 1, zero = 0;
    SVERTKA_CUDA_CHECK(cudnnConvolutionForward(
        device_.cudnn(), &one, x_desc_.get(), x, w_desc_.get(), w, conv_desc_.get(),
        cudnnConvolutionFwdAlgo_t(algo.algorithm), device_.workspace(algo.workspace_bytes),
        algo.workspace_bytes, &zero, y_desc_.get(), y));
    if (bias_)
      SVERTKA_CUDA_CHECK(cudnnAddTensor(device_.cudnn(), &one, bias_desc_.get(),
                                        args.params[1]->data(), &one, y_desc_.get(), y));
  }

  // inputs {x}, params {w, b?}, output_grads {dy} -> input_grads {dx?}, param_grads {dw?, db?}
  void backward(const BackwardArgs<float>& args) override {
    device_.activate();
    const float one = 1, zero = 0;
    const float* dy = args.output_grads[0]->data();
    Tensor* db = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
    if (db)
      SVERTKA_CUDA_CHECK(cudnnConvolutionBackwardBias(device_.cudnn(), &one, y_desc_.get(), dy,
                                                      &zero, bias_desc_.get(), db->data()));
    if (Tensor* dw = args.param_grads.empty() ? nullptr : args.param_grads[0])
      backward_filter(args.inputs[0]->data(), dy, dw->data());
    if (Tensor* dx = args.input_grads[0]) backward_data(args.params[0]->data(), dy, dx->data());
  }

 private:
  using Measure = std::function<std::vector<AlgorithmCandidate>(void* workspace, size_t bytes)>;

  // The algorithm for `direction`: the device's cache, or timed now with the whole workspace.
  AlgorithmChoice choose(ConvDirection direction, const Measure& measure) {
    const ConvKey key{g_.n, g_.c, g_.h, g_.w, g_.o, g_.kh, g_.kw, g_.sh, g_.sw, g_.ph, g_.pw,
                      g_.groups, direction, device_.tf32()};
    const size_t limit = device_.workspace_limit();
    return device_.conv_algorithms().choose(key, limit, [&] {
      return measure(device_.workspace(limit), limit);
    });
  }

  void backward_filter(const float* x, const float* dy, float* dw) {
    const AlgorithmChoice algo = choose(ConvDirection::kBackwardFilter, [&](void* ws, size_t bytes) {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      int found = 0;
      SVERTKA_CUDA_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
          device_.cudnn(), x_desc_.get(), x, y_desc_.get(), dy, conv_desc_.get(), w_desc_.get(),
          dw, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &found, perf, ws, bytes));
      return candidates(perf, found, device_.tf32());
    });
    const float one = 1, zero = 0;
    SVERTKA_CUDA_CHECK(cudnnConvolutionBackwardFilter(
        device_.cudnn(), &one, x_desc_.get(), x, y_desc_.get(), dy, conv_desc_.get(),
        cudnnConvolutionBwdFilterAlgo_t(algo.algorithm), device_.workspace(algo.workspace_bytes),
        algo.workspace_bytes, &zero, w_desc_.get(), dw));
  }

  void backward_data(const float* w, const float* dy, float* dx) {
    const AlgorithmChoice algo = choose(ConvDirection::kBackwardData, [&](void* ws, size_t bytes) {
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      int found = 0;
      SVERTKA_CUDA_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
          device_.cudnn(), w_desc_.get(), w, y_desc_.get(), dy, conv_desc_.get(), x_desc_.get(),
          dx, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found, perf, ws, bytes));
      return candidates(perf, found, device_.tf32());
    });
    const float one = 1, zero = 0;
    SVERTKA_CUDA_CHECK(cudnnConvolutionBackwardData(
        device_.cudnn(), &one, w_desc_.get(), w, y_desc_.get(), dy, conv_desc_.get(),
        cudnnConvolutionBwdDataAlgo_t(algo.algorithm), device_.workspace(algo.workspace_bytes),
        algo.workspace_bytes, &zero, x_desc_.get(), dx));
  }

  CudaDevice& device_;
  ConvGeometry g_;
  bool bias_;
  TensorDescriptor x_desc_, y_desc_, bias_desc_;
  FilterDescriptor w_desc_;
  ConvolutionDescriptor conv_desc_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_conv(KernelRegistry& registry) {
  registry.add<ConvOp, cuda::Conv>(Backend::kCuda);
}

}  // namespace svertka
