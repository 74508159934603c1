// oneDNN softmax: forward and backward primitives, created once per input shape.
//
// oneDNN sees the tensor as (outer, channels, inner) normalised over dim 1: the same memory for
// any rank and axis.
#pragma once

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/softmax.h"

namespace svertka::cpu_dnnl {

class Softmax final : public Kernel {
 public:
  Softmax(const SoftmaxOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;

 private:
  DnnlDevice& device_;
  dnnl::softmax_forward forward_;
  dnnl::softmax_backward backward_;
  dnnl::memory x_, y_, dx_, dy_;
};

}  // namespace svertka::cpu_dnnl
