// oneDNN convolution: primitives for forward, backward-data and backward-weights, created once
// per input shape, direct or Winograd (ConvAlgorithm). They pick their own memory layouts (oneDNN's
// blocked nChw16c and blocked weights run its fastest kernels); tensors are converted at the
// kernel's edges by LayoutBridges into scratch shared by all layers.
#pragma once

#include "backends/cpu_dnnl/dnnl_common.h"
#include "ops/conv.h"

namespace svertka::cpu_dnnl {

bool prefers_winograd(const ConvParams& params, const ConvGeometry& geometry);

class Conv final : public Kernel {
 public:
  Conv(const ConvOp& op, const std::vector<Shape>& inputs);
  bool uses_winograd() const { return winograd_; }
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;

 private:
  bool bias_;
  bool winograd_ = false;
  dnnl::convolution_forward forward_;
  dnnl::convolution_backward_data backward_data_;
  dnnl::convolution_backward_weights backward_weights_;
  LayoutBridge x_, w_, y_;                    // forward
  LayoutBridge dy_data_, w_data_, dx_;        // backward data
  LayoutBridge x_weights_, dy_weights_, dw_;  // backward weights
  bool weights_pass_reuses_dy_ = false;
  dnnl::memory b_, db_;
  Shape w_shape_;
  int64_t g_o_ = 0;
  Tensor scratch_dw_, scratch_db_;  // for a gradient the caller did not ask for
};

}  // namespace svertka::cpu_dnnl
