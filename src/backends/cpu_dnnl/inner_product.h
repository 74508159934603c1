// oneDNN inner product over the flattened input: 2-D (N, K) x (O, K) descriptors in plain layout,
// primitives for forward, backward-data and backward-weights created once in the constructor.
#pragma once

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/inner_product.h"

namespace svertka::cpu_dnnl {

class InnerProduct final : public Kernel {
 public:
  InnerProduct(const InnerProductOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;

 private:
  DnnlDevice& device_;
  bool bias_;
  dnnl::inner_product_forward forward_;
  dnnl::inner_product_backward_data backward_data_;
  dnnl::inner_product_backward_weights backward_weights_;
  dnnl::memory x_, w_, b_, y_, dx_, dw_, db_, dy_;
  Shape w_shape_, b_shape_;
  Tensor scratch_dw_, scratch_db_;  // for a gradient the caller did not ask for
};

}  // namespace svertka::cpu_dnnl
