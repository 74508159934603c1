// Softmax along any axis on the GPU: one block per (outer, inner) position (layers.cu), the sum
// in double as cpu_ref's.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/softmax.h"

namespace svertka::cuda {
namespace {

class Softmax final : public Kernel {
 public:
  Softmax(const SoftmaxOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)), g_(op.geometry(inputs.at(0))) {}

  // inputs {x}, outputs {y}
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    launch_softmax_forward(device_.stream(), g_.outer, g_.channels, g_.inner,
                           args.inputs[0]->data(), args.outputs[0]->data());
  }
  // outputs {y}, output_grads {dy} -> input_grads {dx?}: dx = y * (dy - sum(dy * y))
  void backward(const BackwardArgs<float>& args) override {
    if (!args.input_grads[0]) return;
    device_.activate();
    launch_softmax_backward(device_.stream(), g_.outer, g_.channels, g_.inner,
                            args.outputs[0]->data(), args.output_grads[0]->data(),
                            args.input_grads[0]->data());
  }

 private:
  CudaDevice& device_;
  SoftmaxGeometry g_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_softmax(KernelRegistry& registry) {
  registry.add<SoftmaxOp, cuda::Softmax>(Backend::kCuda);
}

}  // namespace svertka
