#include "backends/cpu_dnnl/pooling.h"

#include "svertka/kernel_registry.h"

namespace svertka::cpu_dnnl {

Pool::Pool(const PoolOp& op, const std::vector<Shape>& inputs, Device& device)
    : device_(as_dnnl(device)), label_(op.label()), max_(op.params().method == PoolMethod::kMax) {
  const bool exclude_padding = op.params().exclude_padding;
  const PoolGeometry g = op.geometry(inputs.at(0));
  strides_ = {g.sh, g.sw}, kernel_ = {g.kh, g.kw}, pad_l_ = {g.ph, g.pw};
  // The right padding that makes oneDNN's output size formula give our output size.
  pad_r_ = {(g.oh - 1) * g.sh + g.kh - g.h - g.ph, (g.ow - 1) * g.sw + g.kw - g.w - g.pw};
  // Two geometries go to the reference kernel instead, which is correct for both:
  //  - a negative right padding (the drop-last-window rule with stride > kernel leaves the last
  //    rows unread): oneDNN 2.6 happens to accept it, but does not document it for pooling;
  //  - average pooling counting padding where a window reaches past H + pad_bottom (pad_r >
  //    pad_bottom): oneDNN divides by KH*KW, Caffe by the window's extent up to H + pad_bottom.
  // Averages over the real cells only agree whatever the padding.
  const bool negative_pad = pad_r_[0] < 0 || pad_r_[1] < 0;
  const bool past_pad = pad_r_[0] > g.pb || pad_r_[1] > g.pr;
  if (negative_pad || (!max_ && !exclude_padding && past_pad)) {
    fallback_ = std::make_unique<cpu_ref::Pool<float>>(op, inputs);
    return;
  }
  x_shape_ = Shape{g.n, g.c, g.h, g.w};
  y_shape_ = Shape{g.n, g.c, g.oh, g.ow};
  algorithm_ = max_              ? dnnl::algorithm::pooling_max
               : exclude_padding ? dnnl::algorithm::pooling_avg_exclude_padding
                                 : dnnl::algorithm::pooling_avg_include_padding;
  build(BlobLayout::kPlain, BlobLayout::kPlain, BlobLayout::kPlain);
}

void Pool::build(BlobLayout work, BlobLayout x_held, BlobLayout y_held) {
  const auto x_desc = blob_desc(x_shape_, work), y_desc = blob_desc(y_shape_, work);
  const dnnl::pooling_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, algorithm_, x_desc, y_desc, strides_, kernel_, pad_l_,
       pad_r_},
      device_.engine());
  const dnnl::pooling_backward::primitive_desc backward_pd(
      {algorithm_, x_desc, y_desc, strides_, kernel_, pad_l_, pad_r_}, device_.engine(),
      forward_pd);
  forward_ = dnnl::pooling_forward(forward_pd);
  backward_ = dnnl::pooling_backward(backward_pd);
  using enum ScratchSlot;
  x_ = LayoutBridge(device_, blob_desc(x_shape_, x_held), x_desc, kSource);
  y_ = LayoutBridge(device_, blob_desc(y_shape_, y_held), y_desc, kDestination);
  dy_ = LayoutBridge(device_, blob_desc(y_shape_, y_held), y_desc, kDestination);
  dx_ = LayoutBridge(device_, blob_desc(x_shape_, x_held), x_desc, kSource);
  if (max_) workspace_ = dnnl::memory(forward_pd.workspace_desc(), device_.engine());
  has_workspace_ = false;
}

void Pool::build_u8() {
  const auto x_desc = blob_desc(x_shape_, BlobLayout::kU8ChannelsLast);
  const auto y_desc = blob_desc(y_shape_, BlobLayout::kU8ChannelsLast);
  forward_ = dnnl::pooling_forward(
      dnnl::pooling_forward::primitive_desc({dnnl::prop_kind::forward_inference, algorithm_, x_desc,
                                             y_desc, strides_, kernel_, pad_l_, pad_r_},
                                            device_.engine()));
  using enum ScratchSlot;
  x_ = LayoutBridge(device_, x_desc, x_desc, kSource);
  y_ = LayoutBridge(device_, y_desc, y_desc, kDestination);
  codes_ = true;
}

// Either side blocked: the primitives work blocked, which oneDNN runs faster than plain; on a
// channels-last input they work in it. Codes on one side are codes on both
// (Net::choose_u8_blobs).
void Pool::set_layouts(const std::vector<BlobLayout>& inputs,
                       const std::vector<BlobLayout>& outputs) {
  if (inputs.at(0) == BlobLayout::kU8ChannelsLast) return build_u8();
  const BlobLayout work = inputs.at(0) == BlobLayout::kChannelsLast ? BlobLayout::kChannelsLast
                                                                    : BlobLayout::kChannelBlocked;
  build(work, inputs.at(0), outputs.at(0));
}

void Pool::forward(const ForwardArgs<float>& args) {
  if (fallback_) return fallback_->forward(args);
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_.to_wanted(*args.inputs[0])},
                                                  {DNNL_ARG_DST, y_.output(*args.outputs[0])}};
  if (max_ && !codes_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  device_.execute(forward_, arguments);
  y_.to_held();
  has_workspace_ = max_ && !codes_;
}

void Pool::backward(const BackwardArgs<float>& args) {
  if (fallback_) return fallback_->backward(args);
  Tensor* dx = args.input_grads[0];
  if (!dx) return;
  if (codes_) throw BackendError(label_ + ": max pooling over u8 codes has no backward pass");
  if (max_ && !has_workspace_) throw Error(label_ + ": max pooling backward needs a forward first");
  std::unordered_map<int, dnnl::memory> arguments{
      {DNNL_ARG_DIFF_DST, dy_.to_wanted(*args.output_grads[0])},
      {DNNL_ARG_DIFF_SRC, dx_.output(*dx)}};
  if (max_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  device_.execute(backward_, arguments);
  dx_.to_held();
}

}  // namespace svertka::cpu_dnnl

namespace svertka {

void register_cpu_dnnl_pooling(KernelRegistry& registry) {
  registry.add<PoolOp, cpu_dnnl::Pool>(Backend::kCpuDnnl);
}

}  // namespace svertka
