#include "backends/cpu_dnnl/int8_inner_product.h"

namespace svertka::cpu_dnnl {

Int8InnerProduct::Int8InnerProduct(const InnerProductOp& op, const std::vector<Shape>& inputs,
                                   Device& device)
    : device_(as_dnnl(device)),
      quantization_(*op.params().int8),
      input_step_(input_step(quantization_)),
      x_shape_(inputs.at(0)) {
  n_ = inputs.at(0)[0];
  k_ = op.in_features(inputs.at(0));
  o_ = op.params().out_features;
}

std::optional<float> Int8InnerProduct::u8_input_scale() const {
  if (input_type(quantization_) != dnnl::memory::data_type::u8 || x_shape_.rank() != 4)
    return std::nullopt;
  return input_step_;
}

void Int8InnerProduct::set_layouts(const std::vector<BlobLayout>& inputs,
                                   const std::vector<BlobLayout>& /*outputs: plain*/) {
  x_codes_ = inputs.at(0) == BlobLayout::kU8ChannelsLast;
}

// w (O, C, H, W) with each row permuted into (H, W, C) order, as (O, H*W*C).
Tensor Int8InnerProduct::channels_last_rows(const Tensor& w) const {
  const dims d{o_, x_shape_[1], x_shape_[2], x_shape_[3]};
  Tensor permuted(Shape{o_, k_});
  dnnl::memory from({d, dnnl::memory::data_type::f32, tag::abcd}, device_.engine(),
                    const_cast<float*>(w.data()));
  dnnl::memory to({d, dnnl::memory::data_type::f32, tag::acdb}, device_.engine(), permuted.data());
  device_.execute(dnnl::reorder(from, to), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
  return permuted;
}

void Int8InnerProduct::prepare(const Tensor& w, const Tensor* b) {
  using dt = dnnl::memory::data_type;
  // A plain input buffer is contiguous, so viewing (N, C, H, W) as (N, C*H*W) is exact. Codes in
  // NHWC are viewed as (N, H*W*C) likewise, against the weights permuted into that order: a 2-D
  // product either way, which oneDNN 2.6 runs with its fastest int8 kernel (brgemm; given the codes
  // as 4-D NHWC it takes a gemm-based one, 1.8-2.1x slower on AlexNet's fc6 at batch 32).
  Tensor permuted;
  if (x_codes_) permuted = channels_last_rows(w);
  const Tensor& rows = x_codes_ ? permuted : w;
  const dnnl::memory::desc x_desc =
      x_codes_ ? dnnl::memory::desc(dims{n_, k_}, dt::u8, tag::ab) : plain_desc(dims{n_, k_});
  const auto y_desc = plain_desc(dims{n_, o_});
  const auto w_desc = plain_desc(dims{o_, k_});
  const dnnl::memory::desc x_wanted =
      x_codes_ ? x_desc : dnnl::memory::desc(x_desc.dims(), input_type(quantization_), tag::any);
  const std::vector<float> scales = weight_channel_scales(rows, o_, inner_product_code_max());
  std::vector<float> output_scales(scales.size());
  for (size_t o = 0; o < scales.size(); ++o) output_scales[o] = input_step_ * scales[o];
  const dnnl::inner_product_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, x_wanted,
       dnnl::memory::desc(w_desc.dims(), dt::s8, tag::any),
       dnnl::memory::desc(dims{o_}, dt::f32, tag::a), y_desc},
      with_relu(int8_attributes(output_scales), relu_), device_.engine());
  forward_ = dnnl::inner_product_forward(pd);
  x_ = Int8Input(device_, x_desc, pd.src_desc(), input_step_);
  y_ = device_.unbound_memory(y_desc);
  weights_ = quantize_weights(device_, rows, w_desc, pd.weights_desc(), o_, b, input_step_,
                              inner_product_code_max());
  prepared_ = true;
}

void Int8InnerProduct::forward(const ForwardArgs<float>& args) {
  if (!prepared_) prepare(*args.params[0], args.params.size() > 1 ? args.params[1] : nullptr);
  bind(y_, *args.outputs[0]);
  device_.execute(forward_, {{DNNL_ARG_SRC, x_.quantize(*args.inputs[0])},
                             {DNNL_ARG_WEIGHTS, weights_.codes},
                             {DNNL_ARG_BIAS, weights_.bias},
                             {DNNL_ARG_DST, y_}});
}

void Int8InnerProduct::backward(const BackwardArgs<float>& /*args*/) {
  throw BackendError("an int8 inner product (a quantized model's layer) has no backward pass");
}

}  // namespace svertka::cpu_dnnl
