#include "backends/cpu_dnnl/pooling.h"

namespace svertka::cpu_dnnl {

Pool::Pool(const PoolOp& op, const std::vector<Shape>& inputs)
    : label_(op.label()), max_(op.params().method == PoolMethod::kMax) {
  const bool exclude_padding = op.params().exclude_padding;
  const PoolGeometry g = op.geometry(inputs.at(0));
  const dims strides{g.sh, g.sw}, kernel{g.kh, g.kw}, pad_l{g.ph, g.pw};
  // The right padding that makes oneDNN's output size formula give our output size.
  const dims pad_r{(g.oh - 1) * g.sh + g.kh - g.h - g.ph, (g.ow - 1) * g.sw + g.kw - g.w - g.pw};
  // Two geometries go to the reference kernel instead, which is correct for both:
  //  - a negative right padding (the drop-last-window rule with stride > kernel leaves the last
  //    rows unread): oneDNN 2.6 happens to accept it, but does not document it for pooling;
  //  - average pooling counting padding where a window reaches past H + pad_bottom (pad_r >
  //    pad_bottom): oneDNN divides by KH*KW, Caffe by the window's extent up to H + pad_bottom.
  // Averages over the real cells only agree whatever the padding.
  const bool negative_pad = pad_r[0] < 0 || pad_r[1] < 0;
  const bool past_pad = pad_r[0] > g.pb || pad_r[1] > g.pr;
  if (negative_pad || (!max_ && !exclude_padding && past_pad)) {
    fallback_ = std::make_unique<cpu_ref::Pool<float>>(op, inputs);
    return;
  }

  const auto x_desc = plain_desc(dims{g.n, g.c, g.h, g.w});
  const auto y_desc = plain_desc(dims{g.n, g.c, g.oh, g.ow});
  const auto algorithm = max_              ? dnnl::algorithm::pooling_max
                         : exclude_padding ? dnnl::algorithm::pooling_avg_exclude_padding
                                           : dnnl::algorithm::pooling_avg_include_padding;
  const dnnl::pooling_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, algorithm, x_desc, y_desc, strides, kernel, pad_l, pad_r},
      engine());
  const dnnl::pooling_backward::primitive_desc backward_pd(
      {algorithm, x_desc, y_desc, strides, kernel, pad_l, pad_r}, engine(), forward_pd);
  forward_ = dnnl::pooling_forward(forward_pd);
  backward_ = dnnl::pooling_backward(backward_pd);
  x_ = unbound_memory(x_desc), y_ = unbound_memory(y_desc);
  dx_ = unbound_memory(x_desc), dy_ = unbound_memory(y_desc);
  if (max_) workspace_ = dnnl::memory(forward_pd.workspace_desc(), engine());
}

void Pool::forward(const ForwardArgs<float>& args) {
  if (fallback_) return fallback_->forward(args);
  bind(x_, *args.inputs[0]);
  bind(y_, *args.outputs[0]);
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}};
  if (max_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  execute(forward_, arguments);
  has_workspace_ = max_;
}

void Pool::backward(const BackwardArgs<float>& args) {
  if (fallback_) return fallback_->backward(args);
  Tensor* dx = args.input_grads[0];
  if (!dx) return;
  if (max_ && !has_workspace_) throw Error(label_ + ": max pooling backward needs a forward first");
  bind(dy_, *args.output_grads[0]);
  bind(dx_, *dx);
  std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_DIFF_DST, dy_},
                                                  {DNNL_ARG_DIFF_SRC, dx_}};
  if (max_) arguments[DNNL_ARG_WORKSPACE] = workspace_;
  execute(backward_, arguments);
}

}  // namespace svertka::cpu_dnnl
