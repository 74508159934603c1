// oneDNN's int8 inner product for a layer of a quantized model (InnerProductParams::int8,
// ops/int8.h): x (N, K) rounded to u8 (or s8), s8 weights per output channel, s32 accumulation,
// y (N, O) in fp32. Inference only; made at the first forward as Int8Conv is (int8_conv.h).
#pragma once

#include "backends/cpu_dnnl/int8_common.h"
#include "svertka/ops/inner_product.h"

namespace svertka::cpu_dnnl {

class Int8InnerProduct final : public Kernel {
 public:
  Int8InnerProduct(const InnerProductOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  // The primitive is made at the first forward, with the ReLU as a post-op.
  bool fuse_relu(double negative_slope) override {
    relu_ = negative_slope;
    return true;
  }
  // It reads a 4-D input held as u8 codes (after max pooling), and writes fp32.
  std::optional<float> u8_input_scale() const override;
  void set_layouts(const std::vector<BlobLayout>& inputs,
                   const std::vector<BlobLayout>& outputs) override;

 private:
  void prepare(const Tensor& w, const Tensor* b);
  Tensor channels_last_rows(const Tensor& w) const;

  DnnlDevice& device_;
  Int8Quantization quantization_;
  float input_step_;  // input_step(quantization_)
  Shape x_shape_;
  int64_t n_, k_, o_;
  bool x_codes_ = false;  // the input is held as u8 codes (set_layouts)
  bool prepared_ = false;
  std::optional<double> relu_;  // the fused ReLU's negative slope (fuse_relu)
  dnnl::inner_product_forward forward_;
  Int8Input x_;
  dnnl::memory y_;
  Int8Weights weights_;
};

}  // namespace svertka::cpu_dnnl
