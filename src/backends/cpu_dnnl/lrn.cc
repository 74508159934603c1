#include "backends/cpu_dnnl/lrn.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "backends/cpu_dnnl/lrn_codes.h"
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
  inference_ = dnnl::lrn_forward(forward_desc(dnnl::prop_kind::forward_inference, test_desc));
  const auto forward_pd = forward_desc(dnnl::prop_kind::forward_training, training_desc);
  const dnnl::lrn_backward::primitive_desc backward_pd(
      {dnnl::algorithm::lrn_across_channels, training_desc, training_desc, params_.local_size,
       static_cast<float>(params_.alpha), static_cast<float>(params_.beta),
       static_cast<float>(params_.k)},
      device_.engine(), forward_pd);
  forward_ = dnnl::lrn_forward(forward_pd);
  blocked_inference_ = {};  // made at the first inference on blocked x
  blocked_inference_faster_.reset();
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

// oneDNN's across-channel LRN also divides alpha by local_size and centres the window of an odd
// local_size on c, as Caffe does (backward_pd in build takes the same parameters).
dnnl::lrn_forward::primitive_desc Lrn::forward_desc(dnnl::prop_kind kind,
                                                    const dnnl::memory::desc& x) const {
  return dnnl::lrn_forward::primitive_desc(
      {kind, dnnl::algorithm::lrn_across_channels, x, params_.local_size,
       static_cast<float>(params_.alpha), static_cast<float>(params_.beta),
       static_cast<float>(params_.k)},
      device_.engine());
}

void Lrn::set_layouts(const std::vector<BlobLayout>& inputs,
                      const std::vector<BlobLayout>& outputs) {
  if (outputs.at(0) == BlobLayout::kU8ChannelsLast) return build_u8(inputs.at(0));
  build(inputs.at(0), outputs.at(0));
}

bool Lrn::can_write_u8() const { return lrn_writes_codes(params_); }

// Codes from x as held where it is NHWC (an int8 layer's fp32 output), else from x converted to
// NHWC first (an fp32 layer's plain or blocked output, in a net keeping that layer fp32).
void Lrn::build_u8(BlobLayout x_held) {
  x_nhwc_ = LayoutBridge(device_, blob_desc(shape_, x_held),
                         blob_desc(shape_, BlobLayout::kChannelsLast), ScratchSlot::kSource);
}

void Lrn::forward_u8(const ForwardArgs<float>& args) {
  const dnnl::memory& x = x_nhwc_.to_wanted(*args.inputs[0]);
  lrn_to_codes(static_cast<const float*>(x.get_data_handle()),
               reinterpret_cast<uint8_t*>(args.outputs[0]->data()),
               shape_[0] * shape_[2] * shape_[3], shape_[1], params_, *u8_step_);
}

void Lrn::forward(const ForwardArgs<float>& args) {
  if (u8_step_) return forward_u8(args);
  if (args.phase == Phase::kTest && test_on_held_) {  // no conversion of x for inference
    bind(x_test_, *args.inputs[0]);
    device_.execute(inference_,
                    {{DNNL_ARG_SRC, x_test_}, {DNNL_ARG_DST, y_test_.output(*args.outputs[0])}});
    y_test_.to_held();
    return;
  }
  if (args.phase == Phase::kTest && blocked_inference_is_faster(args))
    return forward_blocked_inference(args);
  forward_training(args);
}

void Lrn::forward_training(const ForwardArgs<float>& args) {
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_.to_wanted(*args.inputs[0])},
                                                  {DNNL_ARG_DST, y_.output(*args.outputs[0])}};
  if (uses_workspace_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  device_.execute(forward_, arguments);
  y_.to_held();
  forwarded_ = true;
}

void Lrn::forward_blocked_inference(const ForwardArgs<float>& args) {
  device_.execute(blocked_inference_, {{DNNL_ARG_SRC, x_.to_wanted(*args.inputs[0])},
                                       {DNNL_ARG_DST, y_.output(*args.outputs[0])}});
  y_.to_held();
}

// Both once to warm up, then three alternating timed runs each on this call's tensors; the faster
// by its best run. A few LRN passes once per kernel, and either choice writes the same bits.
bool Lrn::blocked_inference_is_faster(const ForwardArgs<float>& args) {
  if (blocked_inference_faster_) return *blocked_inference_faster_;
  blocked_inference_ = dnnl::lrn_forward(
      forward_desc(dnnl::prop_kind::forward_inference, x_.wanted().get_desc()));
  using Clock = std::chrono::steady_clock;
  auto best_of = [](double best, Clock::time_point start) {
    return std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  };
  forward_training(args);
  forward_blocked_inference(args);
  double training = INFINITY, inference = INFINITY;
  for (int run = 0; run < 3; ++run) {
    auto start = Clock::now();
    forward_training(args);
    training = best_of(training, start);
    start = Clock::now();
    forward_blocked_inference(args);
    inference = best_of(inference, start);
  }
  blocked_inference_faster_ = inference < training;
  return *blocked_inference_faster_;
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
