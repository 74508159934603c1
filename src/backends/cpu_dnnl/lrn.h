// oneDNN local response normalisation across channels. Inference runs on the plain NCHW tensors.
// Training runs in oneDNN's blocked nChw16c layout, converting at the edges: oneDNN 2.6 has no
// optimised NCHW backward (its reference one is ~10x slower than blocked backward plus the
// conversions). The forward's workspace and blocked input are kept for backward.
#pragma once

#include <string>

#include "backends/cpu_dnnl/dnnl_common.h"
#include "ops/lrn.h"

namespace svertka::cpu_dnnl {

class Lrn final : public Kernel {
 public:
  Lrn(const LrnOp& op, const std::vector<Shape>& inputs);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;

 private:
  std::string label_;
  bool uses_workspace_ = false;
  bool forwarded_ = false;  // the workspace and the blocked input are valid
  dnnl::lrn_forward inference_, forward_;
  dnnl::lrn_backward backward_;
  dnnl::memory x_, y_, dx_, dy_;  // plain, bound to the tensors
  dnnl::memory x_blocked_, y_blocked_, dx_blocked_, dy_blocked_, workspace_;  // owned
  dnnl::reorder to_blocked_, to_plain_;
};

}  // namespace svertka::cpu_dnnl
