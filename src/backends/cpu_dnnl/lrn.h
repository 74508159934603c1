// oneDNN local response normalisation across channels: forward and backward primitives created
// once per input shape; the forward's workspace is kept for backward.
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
  bool forwarded_ = false;  // the workspace is valid
  dnnl::lrn_forward forward_;
  dnnl::lrn_backward backward_;
  dnnl::memory x_, y_, dx_, dy_, workspace_;
};

}  // namespace svertka::cpu_dnnl
