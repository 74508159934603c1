// Dropout on the GPU with cpu_ref's masks: element i of step s is kept when
// u(seed, s, i) >= ratio, the same counter-based hash (svertka/hash.h), so one seed gives the same
// masks on either backend. Backward draws the mask of the last TRAIN forward again from its key;
// nothing is stored per element.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/hash.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/dropout.h"

namespace svertka::cuda {
namespace {

// cpu_ref's stream_key (src/backends/cpu_ref/dropout.cc): one SplitMix64 stream per (seed, step).
uint64_t stream_key(uint64_t seed, uint64_t step) {
  return mix64(seed ^ mix64(step * kGoldenGamma + kGoldenGamma));
}

class Dropout final : public Kernel {
 public:
  Dropout(const DropoutOp& op, const std::vector<Shape>&, Device& device)
      : device_(as_cuda(device)),
        ratio_(op.params().ratio),
        seed_(op.params().seed),
        scale_(float(1.0 / (1.0 - op.params().ratio))) {}

  // inputs {x}, outputs {y}; y may alias x. TEST copies.
  void forward(const ForwardArgs<float>& args) override {
    const Tensor& x = *args.inputs[0];
    Tensor& y = *args.outputs[0];
    trained_ = args.phase == Phase::kTrain;
    device_.activate();
    if (!trained_) {
      if (x.data() != y.data()) y.copy_from(x);
      return;
    }
    key_ = stream_key(seed_, args.step);
    launch_dropout(device_.stream(), y.numel(), key_, ratio_, scale_, x.data(), y.data());
  }
  // output_grads {dy} -> input_grads {dx?}; dx may alias dy.
  void backward(const BackwardArgs<float>& args) override {
    Tensor* dx = args.input_grads[0];
    if (!dx) return;
    const Tensor& dy = *args.output_grads[0];
    device_.activate();
    if (!trained_) {
      if (dx->data() != dy.data()) dx->copy_from(dy);
      return;
    }
    launch_dropout(device_.stream(), dx->numel(), key_, ratio_, scale_, dy.data(), dx->data());
  }

 private:
  CudaDevice& device_;
  double ratio_;
  uint64_t seed_;
  float scale_;
  bool trained_ = false;
  uint64_t key_ = 0;  // the last TRAIN forward's
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_dropout(KernelRegistry& registry) {
  registry.add<DropoutOp, cuda::Dropout>(Backend::kCuda);
}

}  // namespace svertka
