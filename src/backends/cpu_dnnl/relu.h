// oneDNN ReLU: eltwise_relu_use_dst_for_bwd, whose backward reads y rather than x, so both passes
// run in place. The tensor is described as 1-D (numel): elementwise, any rank and layout is the
// same buffer, so x and y only need to share a layout.
#pragma once

#include "backends/cpu_dnnl/dnnl_common.h"
#include "svertka/ops/relu.h"

namespace svertka::cpu_dnnl {

class Relu final : public Kernel {
 public:
  Relu(const ReluOp& op, const std::vector<Shape>& inputs, Device& device);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;
  LayoutSupport layout_support() const override { return LayoutSupport::kSameAsInput; }

 private:
  DnnlDevice& device_;
  dnnl::eltwise_forward forward_;
  dnnl::eltwise_backward backward_;
  dnnl::memory x_, y_, dx_, dy_;
};

}  // namespace svertka::cpu_dnnl
