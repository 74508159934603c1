// oneDNN inner product over the flattened input: 2-D (N, K) x (O, K), primitives for forward,
// backward-data and backward-weights created once: forward in the constructor, backward on the
// first backward call (a net that only infers never builds them). In fp32 they work on the
// plain tensors themselves; in bf16 (the device's precision) LayoutBridges round x, w and dy into
// bf16 scratch (in the layouts the primitives pick), and y, dx, dw, db stay plain fp32. A training
// net's bf16 weights are rounded once per step: once it has run backward, the forward pass keeps
// its rounded w for the backward-data pass where both want the same layout (AlexNet's fc6: a
// 28 ms conversion on the 2-core EPYC, done twice a step before).
#pragma once

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/inner_product.h"

namespace svertka::cpu_dnnl {

class InnerProduct final : public Kernel {
 public:
  InnerProduct(const InnerProductOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  bool fuse_relu(double negative_slope) override;

 private:
  dnnl::memory::desc as_operand(const dnnl::memory::desc& plain) const;
  void make_forward();  // with the fused ReLU if any
  void make_backward();  // if not yet made

  DnnlDevice& device_;
  bool bias_;
  std::optional<double> relu_;  // the fused ReLU's negative slope (fuse_relu)
  bool backward_made_ = false;
  dnnl::memory::desc x_desc_, w_desc_, b_desc_, y_desc_;  // plain f32
  dnnl::inner_product_forward::primitive_desc forward_pd_;
  dnnl::inner_product_forward forward_;
  dnnl::inner_product_backward_data backward_data_;
  dnnl::inner_product_backward_weights backward_weights_;
  LayoutBridge x_, w_;                  // forward
  LayoutBridge dy_data_, w_data_;       // backward data
  LayoutBridge x_weights_, dy_weights_;  // backward weights
  bool weights_pass_reuses_dy_ = false;
  // bf16 training: w as the last forward pass rounded it, for the backward-data pass; the fp32
  // weights it was rounded from (null once a backward pass used it, or before any).
  bool keeps_weights_ = false;
  LayoutBridge w_kept_;  // owning: forward's layout
  const float* w_kept_from_ = nullptr;
  dnnl::memory b_, y_, dx_, dw_, db_;
  Shape w_shape_, b_shape_;
  Tensor scratch_dw_, scratch_db_;  // for a gradient the caller did not ask for
};

}  // namespace svertka::cpu_dnnl
