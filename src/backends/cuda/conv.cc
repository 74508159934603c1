// Convolution on the GPU with cuDNN, groups included. Each direction's algorithm is chosen once per
// shape and device: cuDNN times its candidates on the first call (on the layer's own buffers) and
// the fastest within the device's workspace limit is kept (conv_algorithm.h). Bias is added with
// cudnnAddTensor and its gradient summed by cudnnConvolutionBackwardBias. An input of 3 channels
// may be padded to 4 (CudaDeviceOptions::channel_padding).
#include "svertka/ops/conv.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cudnn_descriptors.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"

namespace svertka::cuda {
namespace {

// cuDNN pads both ends alike; ONNX's asymmetric pads stay on the CPU backends.
ConvGeometry symmetric_geometry(const ConvOp& op, const Shape& x) {
  const ConvParams& p = op.params();
  if (p.pad_bottom.value_or(p.pad_h) != p.pad_h || p.pad_right.value_or(p.pad_w) != p.pad_w)
    throw BackendError(op.label() +
                       ": the cuda backend pads both ends alike (cuDNN), and this "
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

// The input's and the filter's descriptors for `channels` input channels: the op's own, or
// padded with zero channels.
struct Operands {
  Operands(const ConvGeometry& g, int64_t channels)
      : channels(channels), x(g.n, channels, g.h, g.w), w(g.o, channels / g.groups, g.kh, g.kw) {}
  int64_t channels;
  TensorDescriptor x;
  FilterDescriptor w;
};

// A device buffer of the kernel's own, zero-filled when made, given back with the kernel.
class DeviceBuffer {
 public:
  DeviceBuffer(CudaMemory& memory, int64_t floats)
      : memory_(memory),
        bytes_(size_t(floats) * sizeof(float)),
        data_(static_cast<float*>(memory.allocate(bytes_))) {
    memory_.zero(data_, bytes_);
  }
  ~DeviceBuffer() { memory_.deallocate(data_, bytes_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* data() const { return data_; }

 private:
  CudaMemory& memory_;
  size_t bytes_;
  float* data_;
};

class Conv final : public Kernel {
 public:
  Conv(const ConvOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)),
        g_(symmetric_geometry(op, inputs.at(0))),
        bias_(op.params().bias),
        plain_(g_, g_.c),
        y_desc_(g_.n, g_.o, g_.oh, g_.ow),
        bias_desc_(1, g_.o, 1, 1),
        conv_desc_(g_.ph, g_.pw, g_.sh, g_.sw, g_.groups, device_.tf32()) {
    const bool paddable = g_.groups == 1 && g_.c % kChannelMultiple != 0;
    if (paddable && device_.channel_padding() != CudaDeviceOptions::ChannelPadding::kNever)
      padded_ = std::make_unique<Operands>(
          g_, (g_.c + kChannelMultiple - 1) / kChannelMultiple * kChannelMultiple);
  }

  // inputs {x (N, C, H, W)}, params {w (O, C/G, KH, KW), b (O)?}, outputs {y (N, O, OH, OW)}
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    const float* x = args.inputs[0]->data();
    const float* w = args.params[0]->data();
    float* y = args.outputs[0]->data();
    if (!decided_) decide(x, w, y);
    const Operands& operands = padded_x_ ? *padded_ : plain_;
    if (padded_x_) {
      copy_channels(x, g_.c, padded_x_->data(), padded_->channels, g_.n, g_.h * g_.w);
      copy_channels(w, g_.c, padded_w_->data(), padded_->channels, g_.o, g_.kh * g_.kw);
      x = padded_x_->data();
      w = padded_w_->data();
    }
    const AlgorithmChoice algo = forward_algorithm(operands, x, w, y);
    const float one = 1, zero = 0;
    SVERTKA_CUDA_CHECK(cudnnConvolutionForward(
        device_.cudnn(), &one, operands.x.get(), x, operands.w.get(), w, conv_desc_.get(),
        cudnnConvolutionFwdAlgo_t(algo.algorithm), device_.workspace(algo.workspace_bytes),
        algo.workspace_bytes, &zero, y_desc_.get(), y));
    if (bias_)
      SVERTKA_CUDA_CHECK(cudnnAddTensor(device_.cudnn(), &one, bias_desc_.get(),
                                        args.params[1]->data(), &one, y_desc_.get(), y));
  }

  // inputs {x}, params {w, b?}, output_grads {dy} -> input_grads {dx?}, param_grads {dw?, db?}
  // Padded, the operands of the last forward (this step's x and w) are reused.
  void backward(const BackwardArgs<float>& args) override {
    device_.activate();
    const float one = 1, zero = 0;
    const float* dy = args.output_grads[0]->data();
    Tensor* db = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
    if (db)
      SVERTKA_CUDA_CHECK(cudnnConvolutionBackwardBias(device_.cudnn(), &one, y_desc_.get(), dy,
                                                      &zero, bias_desc_.get(), db->data()));
    Tensor* dw = args.param_grads.empty() ? nullptr : args.param_grads[0];
    Tensor* dx = args.input_grads[0];
    if (!padded_x_) {
      if (dw) backward_filter(plain_, args.inputs[0]->data(), dy, dw->data());
      if (dx) backward_data(plain_, args.params[0]->data(), dy, dx->data());
      return;
    }
    if (dw) {
      if (!padded_dw_)
        padded_dw_ = std::make_unique<DeviceBuffer>(device_.cuda_memory(),
                                                    g_.o * padded_->channels * g_.kh * g_.kw);
      backward_filter(*padded_, padded_x_->data(), dy, padded_dw_->data());
      copy_channels(padded_dw_->data(), padded_->channels, dw->data(), g_.c, g_.o, g_.kh * g_.kw);
    }
    if (dx) {
      if (!padded_dx_)
        padded_dx_ = std::make_unique<DeviceBuffer>(device_.cuda_memory(),
                                                    g_.n * padded_->channels * g_.h * g_.w);
      backward_data(*padded_, padded_w_->data(), dy, padded_dx_->data());
      copy_channels(padded_dx_->data(), padded_->channels, dx->data(), g_.c, g_.n, g_.h * g_.w);
    }
  }

 private:
  // TF32 tensor cores read 16-byte rows: 4 channels of fp32.
  static constexpr int64_t kChannelMultiple = 4;
  using Measure = std::function<std::vector<AlgorithmCandidate>(void* workspace, size_t bytes)>;

  // Plain or padded, once: kAlways pads, kAuto times both forwards (cuDNN's measurements, cached
  // per shape on the device) and keeps the faster. The padded operands' buffers hold zeros in
  // the padding channels from their making on; only the real channels are ever copied in.
  void decide(const float* x, const float* w, float* y) {
    decided_ = true;
    if (!padded_) return;
    padded_x_ = std::make_unique<DeviceBuffer>(device_.cuda_memory(),
                                               g_.n * padded_->channels * g_.h * g_.w);
    padded_w_ = std::make_unique<DeviceBuffer>(device_.cuda_memory(),
                                               g_.o * padded_->channels * g_.kh * g_.kw);
    if (device_.channel_padding() == CudaDeviceOptions::ChannelPadding::kAlways) return;
    copy_channels(x, g_.c, padded_x_->data(), padded_->channels, g_.n, g_.h * g_.w);
    copy_channels(w, g_.c, padded_w_->data(), padded_->channels, g_.o, g_.kh * g_.kw);
    const float plain_ms = forward_algorithm(plain_, x, w, y).milliseconds;
    const float padded_ms =
        forward_algorithm(*padded_, padded_x_->data(), padded_w_->data(), y).milliseconds;
    if (padded_ms < plain_ms) return;
    padded_x_.reset();
    padded_w_.reset();
  }

  // `count` rows of `from_channels` planes of `plane` floats into rows of `to_channels` planes:
  // the first min(from, to) planes of each row (a batch's images, a filter's outputs).
  void copy_channels(const float* from, int64_t from_channels, float* to, int64_t to_channels,
                     int64_t count, int64_t plane) const {
    const size_t row = size_t(std::min(from_channels, to_channels) * plane) * sizeof(float);
    SVERTKA_CUDA_CHECK(cudaMemcpy2DAsync(to, size_t(to_channels * plane) * sizeof(float), from,
                                         size_t(from_channels * plane) * sizeof(float), row,
                                         size_t(count), cudaMemcpyDeviceToDevice,
                                         device_.stream()));
  }

  // The algorithm for `direction` and `channels`: the device's cache, or timed now with the whole
  // workspace.
  AlgorithmChoice choose(ConvDirection direction, int64_t channels, const Measure& measure) {
    const ConvKey key{g_.n,  channels, g_.h,  g_.w,  g_.o,      g_.kh,     g_.kw,
                      g_.sh, g_.sw,    g_.ph, g_.pw, g_.groups, direction, device_.tf32()};
    const size_t limit = device_.workspace_limit();
    return device_.conv_algorithms().choose(
        key, limit, [&] { return measure(device_.workspace(limit), limit); });
  }

  AlgorithmChoice forward_algorithm(const Operands& operands, const float* x, const float* w,
                                    float* y) {
    return choose(ConvDirection::kForward, operands.channels, [&](void* ws, size_t bytes) {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      int found = 0;
      SVERTKA_CUDA_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
          device_.cudnn(), operands.x.get(), x, operands.w.get(), w, conv_desc_.get(),
          y_desc_.get(), y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf, ws, bytes));
      return candidates(perf, found, device_.tf32());
    });
  }

  void backward_filter(const Operands& operands, const float* x, const float* dy, float* dw) {
    const AlgorithmChoice algo =
        choose(ConvDirection::kBackwardFilter, operands.channels, [&](void* ws, size_t bytes) {
          cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
          int found = 0;
          SVERTKA_CUDA_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
              device_.cudnn(), operands.x.get(), x, y_desc_.get(), dy, conv_desc_.get(),
              operands.w.get(), dw, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &found, perf, ws,
              bytes));
          return candidates(perf, found, device_.tf32());
        });
    const float one = 1, zero = 0;
    SVERTKA_CUDA_CHECK(cudnnConvolutionBackwardFilter(
        device_.cudnn(), &one, operands.x.get(), x, y_desc_.get(), dy, conv_desc_.get(),
        cudnnConvolutionBwdFilterAlgo_t(algo.algorithm), device_.workspace(algo.workspace_bytes),
        algo.workspace_bytes, &zero, operands.w.get(), dw));
  }

  void backward_data(const Operands& operands, const float* w, const float* dy, float* dx) {
    const AlgorithmChoice algo =
        choose(ConvDirection::kBackwardData, operands.channels, [&](void* ws, size_t bytes) {
          cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
          int found = 0;
          SVERTKA_CUDA_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
              device_.cudnn(), operands.w.get(), w, y_desc_.get(), dy, conv_desc_.get(),
              operands.x.get(), dx, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found, perf, ws,
              bytes));
          return candidates(perf, found, device_.tf32());
        });
    const float one = 1, zero = 0;
    SVERTKA_CUDA_CHECK(cudnnConvolutionBackwardData(
        device_.cudnn(), &one, operands.w.get(), w, y_desc_.get(), dy, conv_desc_.get(),
        cudnnConvolutionBwdDataAlgo_t(algo.algorithm), device_.workspace(algo.workspace_bytes),
        algo.workspace_bytes, &zero, operands.x.get(), dx));
  }

  CudaDevice& device_;
  ConvGeometry g_;
  bool bias_;
  Operands plain_;
  std::unique_ptr<Operands> padded_;  // when the input channels may be padded
  TensorDescriptor y_desc_, bias_desc_;
  ConvolutionDescriptor conv_desc_;
  bool decided_ = false;
  // Set when the padded operands are used: x and w with zero channels, dw and dx before their
  // real channels are copied out.
  std::unique_ptr<DeviceBuffer> padded_x_, padded_w_, padded_dw_, padded_dx_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_conv(KernelRegistry& registry) {
  registry.add<ConvOp, cuda::Conv>(Backend::kCuda);
}

}  // namespace svertka
