// BatchNorm on the GPU with cpu_ref's arithmetic (layers.cu): per-channel statistics in double,
// two passes (mean, then squares about it), PyTorch's running-statistics update. The statistics a
// pass normalises with stay on the device between forward and backward.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/launch.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"
#include "svertka/ops/batch_norm.h"

namespace svertka::cuda {
namespace {

class BatchNorm final : public Kernel {
 public:
  BatchNorm(const BatchNormOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_cuda(device)), op_(op) {
    const BatchNormGeometry g = op.geometry(inputs.at(0));
    shape_ = {.n = g.n, .channels = g.channels, .inner = g.inner, .eps = op.params().eps,
              .momentum = op.params().momentum};
    // 2*C doubles each: the statistics (mean, var) and backward's sums, as floats' memory.
    stats_ = Tensor(Shape{4 * g.channels}, device_.memory());
    sums_ = Tensor(Shape{4 * g.channels}, device_.memory());
  }

  // inputs {x}, params {weight?, bias?, running_mean, running_var}, outputs {y}; with batch
  // statistics, state {running_mean, running_var} is updated.
  void forward(const ForwardArgs<float>& args) override {
    device_.activate();
    statistics(args.inputs[0]->data(), args.params, op_.uses_global_stats(args.phase));
    if (!op_.uses_global_stats(args.phase)) {
      if (args.state.size() != 2)
        throw Error(op_.label() + ": a TRAIN forward with batch statistics needs "
                    "ForwardArgs::state (running_mean, running_var) to update");
      launch_batch_norm_update_running(device_.stream(), shape_, stats(), args.state[0]->data(),
                                       args.state[1]->data());
    }
    const bool affine = op_.params().affine;
    launch_batch_norm_forward(device_.stream(), shape_, stats(),
                              affine ? args.params[0]->data() : nullptr,
                              affine ? args.params[1]->data() : nullptr, args.inputs[0]->data(),
                              args.outputs[0]->data());
  }

  // output_grads {dy} -> input_grads {dx?}, param_grads {dweight?, dbias?}; the statistics get
  // none (zeroed), and batch statistics are recomputed from x as cpu_ref does.
  void backward(const BackwardArgs<float>& args) override {
    device_.activate();
    const bool global = op_.uses_global_stats(args.phase), affine = op_.params().affine;
    for (size_t k = op_.running_mean_index(); k < args.param_grads.size(); ++k)
      if (args.param_grads[k]) args.param_grads[k]->zero();
    statistics(args.inputs[0]->data(), args.params, global);
    Tensor* dweight = affine ? args.param_grads[0] : nullptr;
    Tensor* dbias = affine ? args.param_grads[1] : nullptr;
    launch_batch_norm_backward(device_.stream(), shape_, global, stats(),
                               affine ? args.params[0]->data() : nullptr, args.inputs[0]->data(),
                               args.output_grads[0]->data(),
                               reinterpret_cast<double*>(sums_.data()),
                               dweight ? dweight->data() : nullptr, dbias ? dbias->data() : nullptr,
                               args.input_grads[0] ? args.input_grads[0]->data() : nullptr);
  }

 private:
  double* stats() { return reinterpret_cast<double*>(stats_.data()); }

  template <class Params>
  void statistics(const float* x, const Params& params, bool global) {
    if (!global) return launch_batch_norm_statistics(device_.stream(), shape_, x, stats());
    const size_t running = op_.running_mean_index();
    launch_batch_norm_from_running(device_.stream(), shape_.channels, params[running]->data(),
                                   params[running + 1]->data(), stats());
  }

  CudaDevice& device_;
  BatchNormOp op_;
  BatchNormShape shape_{};
  Tensor stats_, sums_;
};

}  // namespace
}  // namespace svertka::cuda

namespace svertka {

void register_cuda_batch_norm(KernelRegistry& registry) {
  registry.add<BatchNormOp, cuda::BatchNorm>(Backend::kCuda);
}

}  // namespace svertka
