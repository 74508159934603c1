// EuclideanLoss on the GPU: one block sums the squared differences in double (losses.cu), as
// cpu_ref; backward reads its loss weight from the output gradient on the device.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/euclidean_loss.h"

namespace svertka::cuda {
namespace {

class EuclideanLoss final : public Kernel {
 public:
  EuclideanLoss(const EuclideanLossOp&, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)), count_(inputs.at(0).numel()), samples_(inputs.at(0)[0]) {}

  // inputs {a, b}, outputs {loss (1)} = sum((a - b)^2) / (2 N)
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    launch_euclidean_forward(device_.stream(), count_, samples_, args.inputs[0]->data(),
                             args.inputs[1]->data(), args.outputs[0]->data());
  }
  // output_grads {loss weight} -> input_grads {da?, db?}
  void backward(const BackwardArgs<float>& args) override {
    device_.activate();
    launch_euclidean_backward(device_.stream(), count_, samples_, args.inputs[0]->data(),
                              args.inputs[1]->data(), args.output_grads[0]->data(),
                              args.input_grads[0] ? args.input_grads[0]->data() : nullptr,
                              args.input_grads[1] ? args.input_grads[1]->data() : nullptr);
  }

 private:
  CudaDevice& device_;
  int64_t count_, samples_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_euclidean_loss(KernelRegistry& registry) {
  registry.add<EuclideanLossOp, cuda::EuclideanLoss>(Backend::kCuda);
}

}  // namespace svertka
