// oneDNN batch normalisation: forward_training with batch statistics (which it returns, biased,
// for the running update done here and for backward), forward_inference with the running ones,
// and backward with either. The data is described as (N, C, inner) when plain, so any rank works;
// it runs in the blob's layout (channel-blocked where the net keeps it so), output and gradients
// in the input's.
#include "svertka/ops/batch_norm.h"

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/error.h"
#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {
namespace {

using Flags = dnnl::normalization_flags;

class BatchNorm final : public Kernel {
 public:
  BatchNorm(const BatchNormOp& op, const std::vector<Shape>& inputs, Device& device)
      : device_(as_dnnl(device)), op_(op), g_(op.geometry(inputs.at(0))), shape_(inputs.at(0)) {
    build(BlobLayout::kPlain);
  }

  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  LayoutSupport layout_support() const override { return LayoutSupport::kSameAsInput; }
  void set_layouts(const std::vector<BlobLayout>& inputs,
                   const std::vector<BlobLayout>& /*outputs*/) override {
    build(inputs.at(0));
  }

 private:
  void build(BlobLayout layout);
  Flags flags(bool global) const;
  // Binds the scale, shift and (for global statistics) the running statistics of `params`.
  void bind_params(const std::vector<const Tensor*>& params, bool global,
                   std::unordered_map<int, dnnl::memory>& arguments);
  void update_running(const std::vector<Tensor*>& state) const;

  DnnlDevice& device_;
  BatchNormOp op_;
  BatchNormGeometry g_;
  Shape shape_;
  dnnl::batch_normalization_forward inference_, training_;
  dnnl::batch_normalization_backward backward_batch_, backward_global_;
  dnnl::memory x_, y_, dx_, dy_, scale_, shift_, mean_, var_, dscale_, dshift_;
  Tensor batch_mean_, batch_var_;  // of the last TRAIN forward with batch statistics
  Tensor scratch_dx_, scratch_dscale_, scratch_dshift_;
  bool forwarded_ = false;
};

Flags BatchNorm::flags(bool global) const {
  Flags f = global ? Flags::use_global_stats : Flags::none;
  if (op_.params().affine) f = f | Flags::use_scale | Flags::use_shift;
  return f;
}

void BatchNorm::build(BlobLayout layout) {
  const auto data = layout == BlobLayout::kPlain ? plain_desc(dims{g_.n, g_.channels, g_.inner})
                                                 : blob_desc(shape_, layout);
  const auto channels = plain_desc(dims{g_.channels});
  const float eps = static_cast<float>(op_.params().eps);
  using dnnl::prop_kind;
  const dnnl::batch_normalization_forward::primitive_desc inference_pd(
      {prop_kind::forward_inference, data, eps, flags(true)}, device_.engine());
  const dnnl::batch_normalization_forward::primitive_desc training_pd(
      {prop_kind::forward_training, data, eps, flags(false)}, device_.engine());
  const dnnl::batch_normalization_forward::primitive_desc frozen_pd(
      {prop_kind::forward_training, data, eps, flags(true)}, device_.engine());
  const prop_kind backward = op_.params().affine ? prop_kind::backward : prop_kind::backward_data;
  backward_batch_ = dnnl::batch_normalization_backward(
      {{backward, data, data, eps, flags(false)}, device_.engine(), training_pd});
  backward_global_ = dnnl::batch_normalization_backward(
      {{backward, data, data, eps, flags(true)}, device_.engine(), frozen_pd});
  inference_ = dnnl::batch_normalization_forward(inference_pd);
  training_ = dnnl::batch_normalization_forward(training_pd);
  x_ = device_.unbound_memory(data), y_ = device_.unbound_memory(data);
  dx_ = device_.unbound_memory(data), dy_ = device_.unbound_memory(data);
  scale_ = device_.unbound_memory(channels), shift_ = device_.unbound_memory(channels);
  mean_ = device_.unbound_memory(channels), var_ = device_.unbound_memory(channels);
  dscale_ = device_.unbound_memory(channels), dshift_ = device_.unbound_memory(channels);
  batch_mean_ = Tensor(Shape{g_.channels}), batch_var_ = Tensor(Shape{g_.channels});
  forwarded_ = false;
}

void BatchNorm::bind_params(const std::vector<const Tensor*>& params, bool global,
                            std::unordered_map<int, dnnl::memory>& arguments) {
  if (op_.params().affine) {
    bind(scale_, *params[0]);
    bind(shift_, *params[1]);
    arguments[DNNL_ARG_SCALE] = scale_;
    arguments[DNNL_ARG_SHIFT] = shift_;
  }
  const size_t running = op_.running_mean_index();
  bind(mean_, global ? *params[running] : batch_mean_);
  bind(var_, global ? *params[running + 1] : batch_var_);
  arguments[DNNL_ARG_MEAN] = mean_;
  arguments[DNNL_ARG_VARIANCE] = var_;
}

// oneDNN's batch variance divides by M; the running one takes the unbiased M / (M - 1) form.
void BatchNorm::update_running(const std::vector<Tensor*>& state) const {
  if (state.size() != 2)
    throw Error(op_.label() + ": a TRAIN forward with batch statistics needs ForwardArgs::state " +
                "(running_mean, running_var) to update");
  const double momentum = op_.params().momentum, m = double(g_.values_per_channel());
  const double unbiased = m > 1 ? m / (m - 1) : 1;
  for (int64_t c = 0; c < g_.channels; ++c) {
    float& mean = (*state[0])[c];
    float& var = (*state[1])[c];
    mean = static_cast<float>((1 - momentum) * mean + momentum * batch_mean_[c]);
    var = static_cast<float>((1 - momentum) * var + momentum * batch_var_[c] * unbiased);
  }
}

void BatchNorm::forward(const ForwardArgs<float>& args) {
  const bool global = op_.uses_global_stats(args.phase);
  bind(x_, *args.inputs[0]);
  bind(y_, *args.outputs[0]);
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}};
  bind_params(args.params, global, arguments);
  device_.execute(global ? inference_ : training_, arguments);
  if (global) return;
  update_running(args.state);
  forwarded_ = true;
}

void BatchNorm::backward(const BackwardArgs<float>& args) {
  const bool global = op_.uses_global_stats(args.phase), affine = op_.params().affine;
  Tensor* dx = args.input_grads[0];
  Tensor* dscale = affine ? args.param_grads[0] : nullptr;
  Tensor* dshift = affine ? args.param_grads[1] : nullptr;
  for (size_t k = op_.running_mean_index(); k < args.param_grads.size(); ++k)
    if (args.param_grads[k]) args.param_grads[k]->zero();  // statistics are not learned
  if (!dx && !dscale && !dshift) return;
  if (!global && !forwarded_)
    throw Error(op_.label() + ": backward with batch statistics needs a TRAIN forward first");
  bind(x_, *args.inputs[0]);
  bind(dy_, *args.output_grads[0]);
  bind(dx_, dx ? *dx : scratch_for(scratch_dx_, shape_));  // one pass computes every gradient
  std::unordered_map<int, dnnl::memory> arguments{
      {DNNL_ARG_SRC, x_}, {DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_DIFF_SRC, dx_}};
  bind_params(args.params, global, arguments);
  if (affine) {
    bind(dscale_, dscale ? *dscale : scratch_for(scratch_dscale_, Shape{g_.channels}));
    bind(dshift_, dshift ? *dshift : scratch_for(scratch_dshift_, Shape{g_.channels}));
    arguments[DNNL_ARG_DIFF_SCALE] = dscale_;
    arguments[DNNL_ARG_DIFF_SHIFT] = dshift_;
  }
  device_.execute(global ? backward_global_ : backward_batch_, arguments);
}

}  // namespace
}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_batch_norm(KernelRegistry& registry) {
  registry.add<BatchNormOp, cpu_dnnl::BatchNorm>(Backend::kCpuDnnl);
}

}  // namespace svertka
