// SoftmaxWithLoss on the GPU: the softmax kernel (layers.cu), then one block that checks the
// labels, sums -log p over the valid positions and counts them (losses.cu), as cpu_ref. The loss
// and the count stay on the device; backward reads its loss weight from the output gradient there.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/label_check.h"
#include "backends/cuda/launch.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/softmax_loss.h"

namespace svertka::cuda {
namespace {

class SoftmaxLoss final : public Kernel {
 public:
  SoftmaxLoss(const SoftmaxLossOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)),
        label_(op.label()),
        g_(op.geometry(inputs)),
        ignore_(op.params().ignore_label),
        prob_(inputs.at(0), device_.memory()),
        targets_(Shape{g_.n * g_.inner}, device_.memory()),
        valid_(Shape{1}, device_.memory()),
        bad_label_(bad_label_buffer(device_.memory())) {}

  // inputs {scores, labels}, outputs {loss (1)}; DataError for a label that is not a class index.
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    launch_softmax_forward(device_.stream(), g_.n, g_.classes, g_.inner, args.inputs[0]->data(),
                           prob_.data());
    launch_softmax_loss_forward(device_.stream(), g_.n, g_.classes, g_.inner, ignore_.has_value(),
                                ignore_.value_or(0), args.inputs[1]->data(), prob_.data(),
                                targets(), valid(), args.outputs[0]->data(), bad_label());
    throw_if_bad_label(bad_label_, *args.inputs[1], g_.classes, label_, "at position");
  }
  // output_grads {loss weight} -> input_grads {d scores?}
  void backward(const BackwardArgs<float>& args) override {
    if (!args.input_grads[0]) return;
    device_.activate();
    launch_softmax_loss_backward(device_.stream(), g_.n, g_.classes, g_.inner, prob_.data(),
                                 targets(), valid(), args.output_grads[0]->data(),
                                 args.input_grads[0]->data());
  }

 private:
  // int32 and int64 values in float tensors' memory (4- and 8-byte elements, 256-byte aligned).
  int32_t* targets() { return reinterpret_cast<int32_t*>(targets_.data()); }
  int32_t* valid() { return reinterpret_cast<int32_t*>(valid_.data()); }
  int64_t* bad_label() { return reinterpret_cast<int64_t*>(bad_label_.data()); }

  CudaDevice& device_;
  std::string label_;
  SoftmaxLossGeometry g_;
  std::optional<int64_t> ignore_;
  Tensor prob_, targets_, valid_, bad_label_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_softmax_loss(KernelRegistry& registry) {
  registry.add<SoftmaxLossOp, cuda::SoftmaxLoss>(Backend::kCuda);
}

}  // namespace svertka
