#include "backends/cpu_dnnl/int8_conv.h"

#include <string>

namespace svertka::cpu_dnnl {

Int8Conv::Int8Conv(const ConvOp& op, const std::vector<Shape>& inputs, Device& device)
    : device_(as_dnnl(device)),
      quantization_(*op.params().int8),
      input_step_(input_step(quantization_)) {
  g_ = op.geometry(inputs.at(0));
  x_shape_ = inputs.at(0);
  y_shape_ = op.output_shapes(inputs)[0];
  x_held_ = plain_desc(x_shape_);
  y_held_ = plain_desc(y_shape_);
  w_desc_ = g_.groups == 1
                ? plain_desc(dims{g_.o, g_.c, g_.kh, g_.kw})
                : plain_desc(dims{g_.groups, g_.o_per_group(), g_.c_per_group(), g_.kh, g_.kw});
}

std::optional<float> Int8Conv::u8_input_scale() const {
  if (input_type(quantization_) != dnnl::memory::data_type::u8) return std::nullopt;
  return input_step_;
}

// Codes are non-negative, so only a plain ReLU's output can be written as u8.
bool Int8Conv::can_write_u8() const {
  return relu_ && *relu_ == 0 && !prepared_;
}

void Int8Conv::set_layouts(const std::vector<BlobLayout>& inputs,
                           const std::vector<BlobLayout>& outputs) {
  x_held_ = blob_desc(x_shape_, inputs.at(0));
  y_held_ = blob_desc(y_shape_, outputs.at(0));
}

void Int8Conv::prepare(const Tensor& w, const Tensor* b) {
  using dt = dnnl::memory::data_type;
  const dims strides{g_.sh, g_.sw}, pad_l{g_.ph, g_.pw};
  const dims pad_r{(g_.oh - 1) * g_.sh + g_.kh - g_.h - g_.ph,
                   (g_.ow - 1) * g_.sw + g_.kw - g_.w - g_.pw};
  const dnnl::memory::desc x_any(x_held_.dims(), input_type(quantization_), tag::any);
  const dnnl::memory::desc y_any(y_held_.dims(), y_held_.data_type(), tag::any);
  const dnnl::memory::desc w_any(w_desc_.dims(), dt::s8, tag::any);
  const dnnl::memory::desc b_desc(dims{g_.o}, dt::f32, tag::a);
  // y = input_step * s_o * (sum + b'_o), or that over the step of the u8 codes it is written as.
  const std::vector<float> scales = weight_channel_scales(w, g_.o);
  std::vector<float> output_scales(scales.size());
  for (size_t o = 0; o < scales.size(); ++o)
    output_scales[o] = input_step_ * scales[o] / u8_output_scale_.value_or(1);
  auto make = [&](const dnnl::memory::desc& x, const dnnl::memory::desc& y) {
    return dnnl::convolution_forward::primitive_desc(
        {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, x, w_any, b_desc,
         y, strides, pad_l, pad_r},
        with_relu(int8_attributes(output_scales), relu_), device_.engine());
  };
  // The input and output straight from and into the blobs as held where an optimized kernel takes
  // those layouts (not oneDNN's reference, which takes any), else in the layouts it picks. An fp32
  // input is always rounded to codes first.
  const bool x_codes = x_held_.data_type() == dt::u8;
  dnnl::convolution_forward::primitive_desc pd;
  try {
    pd = make(x_codes ? x_held_ : x_any, y_held_);
  } catch (const dnnl::error&) {
  }
  if (!pd || std::string(pd.impl_info_str()).starts_with("ref")) pd = make(x_any, y_any);
  forward_ = dnnl::convolution_forward(pd);
  x_ = Int8Input(device_, x_held_, pd.src_desc(), input_step_);
  y_ = LayoutBridge(device_, y_held_, pd.dst_desc(), ScratchSlot::kDestination);
  weights_ = quantize_weights(device_, w, w_desc_, pd.weights_desc(), g_.o, b,
                              input_step_);  // b'_o = b_o / (input_step * s_o)
  prepared_ = true;
}

void Int8Conv::forward(const ForwardArgs<float>& args) {
  if (!prepared_) prepare(*args.params[0], args.params.size() > 1 ? args.params[1] : nullptr);
  device_.execute(forward_, {{DNNL_ARG_SRC, x_.quantize(*args.inputs[0])},
                             {DNNL_ARG_WEIGHTS, weights_.codes},
                             {DNNL_ARG_BIAS, weights_.bias},
                             {DNNL_ARG_DST, y_.output(*args.outputs[0])}});
  y_.to_held();
}

void Int8Conv::backward(const BackwardArgs<float>& /*args*/) {
  throw BackendError("an int8 convolution (a quantized model's layer) has no backward pass");
}

}  // namespace svertka::cpu_dnnl
