#include "backends/cpu_dnnl/conv.h"

namespace svertka::cpu_dnnl {

Conv::Conv(const ConvOp& op, const std::vector<Shape>& inputs) : bias_(op.params().bias) {
  const ConvGeometry g = op.geometry(inputs.at(0));
  w_shape_ = op.param_shapes(inputs)[0];
  g_o_ = g.o;
  const auto x_desc = plain_desc(dims{g.n, g.c, g.h, g.w});
  const auto y_desc = plain_desc(dims{g.n, g.o, g.oh, g.ow});
  // Grouped weights (G, O/G, C/G, KH, KW) have the same memory as (O, C/G, KH, KW).
  const auto w_desc = g.groups == 1
                          ? plain_desc(dims{g.o, g.c, g.kh, g.kw})
                          : plain_desc(dims{g.groups, g.o_per_group(), g.c_per_group(), g.kh, g.kw});
  const auto b_desc = bias_ ? plain_desc(dims{g.o}) : dnnl::memory::desc();
  const dims strides{g.sh, g.sw}, pad_l{g.ph, g.pw};
  // Caffe's floor rounding can leave the last rows of the padded input unused: the right padding
  // oneDNN needs is what makes its output size formula give ours.
  const dims pad_r{(g.oh - 1) * g.sh + g.kh - g.h - g.ph, (g.ow - 1) * g.sw + g.kw - g.w - g.pw};
  const auto algorithm = dnnl::algorithm::convolution_direct;

  const dnnl::convolution_forward::primitive_desc forward_pd(
      {dnnl::prop_kind::forward_training, algorithm, x_desc, w_desc, b_desc, y_desc, strides, pad_l,
       pad_r},
      engine());
  const dnnl::convolution_backward_data::primitive_desc backward_data_pd(
      {algorithm, x_desc, w_desc, y_desc, strides, pad_l, pad_r}, engine(), forward_pd);
  const dnnl::convolution_backward_weights::primitive_desc backward_weights_pd(
      {algorithm, x_desc, w_desc, b_desc, y_desc, strides, pad_l, pad_r}, engine(), forward_pd);

  forward_ = dnnl::convolution_forward(forward_pd);
  backward_data_ = dnnl::convolution_backward_data(backward_data_pd);
  backward_weights_ = dnnl::convolution_backward_weights(backward_weights_pd);
  x_ = unbound_memory(x_desc), w_ = unbound_memory(w_desc), y_ = unbound_memory(y_desc);
  dx_ = unbound_memory(x_desc), dw_ = unbound_memory(w_desc), dy_ = unbound_memory(y_desc);
  if (bias_) b_ = unbound_memory(b_desc), db_ = unbound_memory(b_desc);
}

namespace {
const Tensor& allocated(Tensor& tensor, const Shape& shape) {
  if (!tensor.defined()) tensor = Tensor(shape);
  return tensor;
}
}  // namespace

void Conv::forward(const ForwardArgs<float>& args) {
  bind(x_, *args.inputs[0]);
  bind(w_, *args.params[0]);
  bind(y_, *args.outputs[0]);
  std::unordered_map<int, dnnl::memory> arguments{
      {DNNL_ARG_SRC, x_}, {DNNL_ARG_WEIGHTS, w_}, {DNNL_ARG_DST, y_}};
  if (bias_) {
    bind(b_, *args.params[1]);
    arguments[DNNL_ARG_BIAS] = b_;
  }
  execute(forward_, arguments);
}

void Conv::backward(const BackwardArgs<float>& args) {
  bind(dy_, *args.output_grads[0]);
  if (Tensor* dx = args.input_grads[0]) {
    bind(dx_, *dx);
    bind(w_, *args.params[0]);
    execute(backward_data_, {{DNNL_ARG_DIFF_SRC, dx_}, {DNNL_ARG_WEIGHTS, w_}, {DNNL_ARG_DIFF_DST, dy_}});
  }
  Tensor* dw = args.param_grads.empty() ? nullptr : args.param_grads[0];
  Tensor* db = bias_ && args.param_grads.size() > 1 ? args.param_grads[1] : nullptr;
  if (dw || db) {
    // One primitive computes both; a gradient nobody asked for lands in scratch.
    bind(x_, *args.inputs[0]);
    bind(dw_, dw ? *dw : allocated(scratch_dw_, w_shape_));
    std::unordered_map<int, dnnl::memory> arguments{
        {DNNL_ARG_SRC, x_}, {DNNL_ARG_DIFF_WEIGHTS, dw_}, {DNNL_ARG_DIFF_DST, dy_}};
    if (bias_) {
      bind(db_, db ? *db : allocated(scratch_db_, Shape{g_o_}));
      arguments[DNNL_ARG_DIFF_BIAS] = db_;
    }
    execute(backward_weights_, arguments);
  }
}

}  // namespace svertka::cpu_dnnl
