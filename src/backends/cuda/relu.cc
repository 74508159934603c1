// ReLU on the GPU: one elementwise kernel each way (launch.h), in place when the net asks.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/relu.h"

namespace svertka::cuda {
namespace {

class Relu final : public Kernel {
 public:
  Relu(const ReluOp& op, const std::vector<Shape>&, Device& device)
      : device_(as_cuda(device)), slope_(float(op.params().negative_slope)) {}

  // inputs {x}, outputs {y}; y may alias x.
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    launch_relu_forward(device_.stream(), args.outputs[0]->numel(), slope_,
                        args.inputs[0]->data(), args.outputs[0]->data());
  }
  // outputs {y}, output_grads {dy} -> input_grads {dx?}; reads y only, as cpu_ref.
  void backward(const BackwardArgs<float>& args) override {
    if (!args.input_grads[0]) return;
    device_.activate();
    launch_relu_backward(device_.stream(), args.input_grads[0]->numel(), slope_,
                         args.outputs[0]->data(), args.output_grads[0]->data(),
                         args.input_grads[0]->data());
  }

 private:
  CudaDevice& device_;
  float slope_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_relu(KernelRegistry& registry) {
  registry.add<ReluOp, cuda::Relu>(Backend::kCuda);
}

}  // namespace svertka
