// LRN across channels on the GPU with Caffe's formula, y = x / (k + alpha/n * sum x^2)^beta over
// the window [c - (n-1)/2, c + n/2] clipped to the channels: our own kernels (layers.cu). cuDNN's
// cudnnLRNCrossChannelForward also divides alpha by n, but centres an even window differently and
// takes only n in [1, 16]; our kernels are cpu_ref's arithmetic for every n.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/lrn.h"

namespace svertka::cuda {
namespace {

class Lrn final : public Kernel {
 public:
  Lrn(const LrnOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)) {
    const Shape y = op.output_shapes(inputs)[0];  // (N, C, H, W)
    const LrnParams& p = op.params();
    shape_ = {.n = y[0], .c = y[1], .hw = y[2] * y[3], .local_size = p.local_size,
              .alpha = p.alpha, .beta = p.beta, .k = p.k};
  }

  // inputs {x}, outputs {y}
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    launch_lrn_forward(device_.stream(), shape_, args.inputs[0]->data(), args.outputs[0]->data());
  }
  // inputs {x}, output_grads {dy} -> input_grads {dx?}; the scales are recomputed from x.
  void backward(const BackwardArgs<float>& args) override {
    if (!args.input_grads[0]) return;
    device_.activate();
    launch_lrn_backward(device_.stream(), shape_, args.inputs[0]->data(),
                        args.output_grads[0]->data(), args.input_grads[0]->data());
  }

 private:
  CudaDevice& device_;
  LrnShape shape_{};
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_lrn(KernelRegistry& registry) {
  registry.add<LrnOp, cuda::Lrn>(Backend::kCuda);
}

}  // namespace svertka
