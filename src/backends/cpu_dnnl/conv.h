// oneDNN convolution: primitives for forward, backward-data and backward-weights, created once
// per input shape in the constructor.
#pragma once

#include "backends/cpu_dnnl/dnnl_common.h"
#include "ops/conv.h"

namespace svertka::cpu_dnnl {

class Conv final : public Kernel {
 public:
  Conv(const ConvOp& op, const std::vector<Shape>& inputs);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;

 private:
  bool bias_;
  dnnl::convolution_forward forward_;
  dnnl::convolution_backward_data backward_data_;
  dnnl::convolution_backward_weights backward_weights_;
  dnnl::memory x_, w_, b_, y_, dx_, dw_, db_, dy_;
  Shape w_shape_;
  int64_t g_o_ = 0;
  Tensor scratch_dw_, scratch_db_;  // for a gradient the caller did not ask for
};

}  // namespace svertka::cpu_dnnl
