// oneDNN's int8 convolution for a layer of a quantized model (ConvParams::int8, ops/int8.h):
// x rounded to u8 (or s8) at the input's calibrated scale, s8 weights per output channel, s32
// accumulation, y in fp32 with per-channel output scales, or, with the ReLU fused, as u8 codes for
// the next int8 layer (BlobLayout::kU8ChannelsLast). Inference only: backward throws.
// The primitive is made at the first forward, when the weights (and so the scales) are known;
// the weights are quantized then, once: a quantized model's weights do not change.
#pragma once

#include <optional>

#include "backends/cpu_dnnl/int8_common.h"
#include "svertka/ops/conv.h"

namespace svertka::cpu_dnnl {

class Int8Conv final : public Kernel {
 public:
  Int8Conv(const ConvOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  LayoutSupport layout_support() const override { return LayoutSupport::kAny; }
  void set_layouts(const std::vector<BlobLayout>& inputs,
                   const std::vector<BlobLayout>& outputs) override;
  // The primitive is made at the first forward, with the ReLU as a post-op.
  bool fuse_relu(double negative_slope) override {
    relu_ = negative_slope;
    return true;
  }
  std::optional<float> u8_input_scale() const override;
  bool can_write_u8() const override;
  bool reads_channels_last() const override { return true; }   // rounds it to codes in NHWC
  bool writes_channels_last() const override { return true; }  // its kernels' own layout
  void write_u8(float scale) override { u8_output_scale_ = scale; }

 private:
  // The primitive, the quantized weights and the bridges, from the first forward's weights.
  void prepare(const Tensor& w, const Tensor* b);

  DnnlDevice& device_;
  Int8Quantization quantization_;
  float input_step_;  // input_step(quantization_)
  ConvGeometry g_;
  Shape x_shape_, y_shape_;
  dnnl::memory::desc x_held_, y_held_, w_desc_;
  bool prepared_ = false;
  std::optional<double> relu_;            // the fused ReLU's negative slope (fuse_relu)
  std::optional<float> u8_output_scale_;  // write_u8
  dnnl::convolution_forward forward_;
  Int8Input x_;
  LayoutBridge y_;
  Int8Weights weights_;
};

}  // namespace svertka::cpu_dnnl
