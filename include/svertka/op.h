// Op: what a layer computes (typed parameters, shape rule), and Kernel: how a backend computes it.
//
// An Op is a pure description. For a given set of input shapes, a backend makes a Kernel that may
// cache state across calls (oneDNN primitives, a dropout mask, a max-pooling argmax). Kernels are
// templates over the element type so the reference kernels also run in double for gradient checks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "svertka/blob_layout.h"
#include "svertka/filler.h"
#include "svertka/tensor.h"

namespace svertka {

enum class Phase { kTrain, kTest };

enum class Backend {
  kCpuRef,   // naive loops: the oracle
  kCpuDnnl,  // oneDNN primitives; ops oneDNN lacks fall back to their reference kernel
  kCuda,     // cuDNN/cuBLAS on an NVIDIA GPU (svertka::cuda, src/backends/cuda); memory of its own
  // A backend a program registers itself (backend.h), as PyTorch's PrivateUse1: the tests' CPU
  // backend with memory apart from the host's.
  kPrivate,
};
std::string_view backend_name(Backend backend);
Backend parse_backend(std::string_view name);  // "cpu_ref" | "cpu_dnnl" | "cuda"

template <class T>
struct ForwardArgs {
  std::vector<const BasicTensor<T>*> inputs;
  std::vector<const BasicTensor<T>*> params;  // learnable parameters, in Op::param_shapes order
  std::vector<BasicTensor<T>*> outputs;       // pre-allocated with Op::output_shapes
  Phase phase = Phase::kTest;
  uint64_t step = 0;  // iteration counter: seeds per-step randomness such as dropout masks
  // The state parameters among params (Op::param_is_state), in order, writable: a forward that
  // uses batch statistics updates them (BatchNorm's running mean and variance).
  std::vector<BasicTensor<T>*> state;
};

// Gradients are overwritten, not accumulated. A null entry in input_grads or param_grads means that
// gradient is not wanted (labels, frozen layers).
template <class T>
struct BackwardArgs {
  std::vector<const BasicTensor<T>*> inputs;
  std::vector<const BasicTensor<T>*> params;
  std::vector<const BasicTensor<T>*> outputs;
  std::vector<const BasicTensor<T>*> output_grads;
  std::vector<BasicTensor<T>*> input_grads;
  std::vector<BasicTensor<T>*> param_grads;
  Phase phase = Phase::kTrain;
  uint64_t step = 0;
};

template <class T>
class BasicKernel {
 public:
  virtual ~BasicKernel() = default;
  virtual void forward(const ForwardArgs<T>& args) = 0;
  virtual void backward(const BackwardArgs<T>& args) = 0;

  // Which blob layouts this kernel handles (see blob_layout.h); the Net asks before the first call.
  virtual LayoutSupport layout_support() const { return LayoutSupport::kPlainOnly; }
  // The layouts of the inputs and outputs, given once before the first call where one is not
  // plain, and only as layout_support() allows.
  virtual void set_layouts(const std::vector<BlobLayout>& /*inputs*/,
                           const std::vector<BlobLayout>& /*outputs*/) {}
  // Whether, from now on, forward applies Caffe's ReLU with `negative_slope` to the output as it
  // writes it, so that a net that never runs backward (TEST) can skip the in-place ReLU layer
  // that follows: one pass over the output instead of two. Asked before the first call; false
  // (the default): this kernel cannot, and nothing changes.
  virtual bool fuse_relu(double /*negative_slope*/) { return false; }

  // Int8 inference's u8 activations between layers (BlobLayout::kU8ChannelsLast), asked in a TEST
  // net before set_layouts. The grid step on which this kernel can read input 0 as u8 codes (an
  // int8 layer whose calibrated input is non-negative); nothing where it cannot.
  virtual std::optional<float> u8_input_scale() const { return std::nullopt; }
  // Whether it can read its inputs as u8 codes of any one step and write output 0 as codes of the
  // same step (max pooling, a channel concat).
  virtual bool passes_u8() const { return false; }
  // Whether it can write output 0 as u8 codes (an int8 layer with its ReLU fused, an LRN read by
  // int8 layers), and from now on doing so, on the grid of step `scale`; write_u8 is called only where can_write_u8().
  virtual bool can_write_u8() const { return false; }
  virtual void write_u8(float /*scale*/) {}

  // fp32 NHWC between layers (BlobLayout::kChannelsLast), asked in a TEST net before set_layouts:
  // whether this kernel reads input 0 in it at no cost (and works in it: LRN, pooling), and
  // whether its output is naturally in it (an int8 layer writing fp32).
  virtual bool reads_channels_last() const { return false; }
  virtual bool writes_channels_last() const { return false; }
};
using Kernel = BasicKernel<float>;

class Op {
 public:
  virtual ~Op() = default;

  // The registry key and Caffe layer type: "Convolution", "Pooling", ...
  virtual std::string_view type() const = 0;

  // Checks the parameters against the input shapes and returns the output shapes. Throws ParamError
  // or ShapeError whose message names the op and the offending values.
  virtual std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const = 0;
  // Shapes of the learnable parameters (e.g. weight, bias) for these inputs; none by default.
  virtual std::vector<Shape> param_shapes(const std::vector<Shape>& /*inputs*/) const { return {}; }
  virtual std::vector<std::string> param_names() const { return {}; }  // "weight", "bias"
  // Whether parameter i is state the forward pass keeps rather than a weight the solver learns
  // (BatchNorm's running statistics). The net gives it lr_mult = decay_mult = 0, so it is neither
  // updated nor decayed and gets no gradient, and passes it writable as ForwardArgs::state.
  virtual bool param_is_state(size_t /*i*/) const { return false; }
  // How parameter i starts when the layer's spec names no ParamSpec for it (BatchNorm's scale: 1).
  virtual Filler default_filler(size_t /*i*/) const { return Filler::constant(0); }

  virtual bool is_loss() const { return false; }
  virtual bool has_backward() const { return true; }
  // Whether output 0 may share input 0's buffer (ReLU, Dropout).
  virtual bool supports_in_place() const { return false; }
  // The negative slope where this op is Caffe's ReLU, which the kernel before it may apply as it
  // writes its output (Kernel::fuse_relu); nothing for every other op.
  virtual std::optional<double> relu_slope() const { return std::nullopt; }
  // Whether input i can receive a gradient (false for labels).
  virtual bool input_has_grad(int /*i*/) const { return true; }
  // Multiply-accumulates of one forward pass, for `summary` and GFLOP/s reports.
  virtual int64_t forward_macs(const std::vector<Shape>& /*inputs*/) const { return 0; }

  // The instance name, for error messages ("Convolution 'conv1'").
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  std::string label() const;

 protected:
  // Throws ParamError "<label>: <message>".
  [[noreturn]] void fail_param(const std::string& message) const;
  // Throws ShapeError "<label>: <message>".
  [[noreturn]] void fail_shape(const std::string& message) const;
  // Throws ShapeError unless there are exactly `count` inputs.
  void expect_inputs(const std::vector<Shape>& inputs, size_t count) const;

 private:
  std::string name_;
};

}  // namespace svertka
