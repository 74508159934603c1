#include "backends/cpu_dnnl/lrn.h"

#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {

Lrn::Lrn(const LrnOp& op, const std::vector<Shape>& inputs, Device& device)
    : device_(as_dnnl(device)),
      label_(op.label()),
      params_(op.params()),
      shape_(op.output_shapes(inputs)[0]) {
  build(BlobLayout::kPlain, BlobLayout::kPlain);
}

void Lrn::build(BlobLayout x_held, BlobLayout y_held) {
  const auto x_desc = blob_desc(shape_, x_held), y_desc = blob_desc(shape_, y_held);
  test_on_held_ = x_held != BlobLayout::kChannelBlocked;
  const auto test_desc = x_held == BlobLayout::kChannelsLast ? x_desc : plain_desc(shape_);
  const auto training_desc = blob_desc(shape_, BlobLayout::kChannelBlocked);
  // oneDNN's across-channel LRN also divides alpha by local_size and centres the window of an odd
  // local_size on c, as Caffe does.
  const auto algorithm = dnnl::algorithm::lrn_across_channels;
  const auto alpha = static_cast<float>(params_.alpha), beta = static_cast<float>(params_.beta),
             k = static_cast<float>(params_.k);
  const auto size = params_.local_size;
  inference_ = dnnl::lrn_forward(dnnl::lrn_forward::primitive_desc(
      {dnnl::prop_kind::forward_inference, algorithm, test_desc, size, alpha, beta, k},
      device_.engine()));
  const dnnl::lrn_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, algorithm, training_desc, size, alpha, beta, k},
      device_.engine());
  const dnnl::lrn_backward::primitive_desc backward_pd(
      {algorithm, training_desc, training_desc, size, alpha, beta, k}, device_.engine(),
      forward_pd);
  forward_ = dnnl::lrn_forward(forward_pd);
  backward_ = dnnl::lrn_backward(backward_pd);
  using enum ScratchSlot;
  x_test_ = device_.unbound_memory(test_desc);
  y_test_ = LayoutBridge(device_, y_desc, test_desc, kDestination);
  x_ = LayoutBridge(device_, x_desc, training_desc, kSource);
  y_ = LayoutBridge(device_, y_desc, training_desc, kDestination);
  dy_ = LayoutBridge(device_, y_desc, training_desc, kDestination);
  dx_ = LayoutBridge(device_, x_desc, training_desc, kExtra);
  const auto workspace_desc = forward_pd.workspace_desc();
  uses_workspace_ = workspace_desc.get_size() > 0;
  if (uses_workspace_) workspace_ = dnnl::memory(workspace_desc, device_.engine());
  forwarded_ = false;
}

void Lrn::set_layouts(const std::vector<BlobLayout>& inputs,
                      const std::vector<BlobLayout>& outputs) {
  build(inputs.at(0), outputs.at(0));
}

void Lrn::forward(const ForwardArgs<float>& args) {
  if (args.phase == Phase::kTest && test_on_held_) {  // no conversion of x for inference
    bind(x_test_, *args.inputs[0]);
    device_.execute(inference_,
                    {{DNNL_ARG_SRC, x_test_}, {DNNL_ARG_DST, y_test_.output(*args.outputs[0])}});
    y_test_.to_held();
    return;
  }
  // Training, and inference on blocked x: oneDNN 2.6's blocked inference kernel runs at half the
  // speed of its blocked training one.
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_.to_wanted(*args.inputs[0])},
                                                  {DNNL_ARG_DST, y_.output(*args.outputs[0])}};
  if (uses_workspace_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  device_.execute(forward_, arguments);
  y_.to_held();
  forwarded_ = true;
}

// The workspace holds the latest training forward, which was run on the same x.
void Lrn::backward(const BackwardArgs<float>& args) {
  Tensor* dx = args.input_grads[0];
  if (!dx) return;
  if (!forwarded_) throw Error(label_ + ": LRN backward needs a training forward first");
  std::unordered_map<int, dnnl::memory> arguments{
      {DNNL_ARG_SRC, x_.to_wanted(*args.inputs[0])},
      {DNNL_ARG_DIFF_DST, dy_.to_wanted(*args.output_grads[0])},
      {DNNL_ARG_DIFF_SRC, dx_.output(*dx)}};
  if (uses_workspace_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  device_.execute(backward_, arguments);
  dx_.to_held();
}

}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_lrn(KernelRegistry& registry) {
  registry.add<LrnOp, cpu_dnnl::Lrn>(Backend::kCpuDnnl);
}

}  // namespace svertka
