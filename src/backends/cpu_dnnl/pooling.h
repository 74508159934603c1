// oneDNN pooling: forward and backward primitives created once per input shape. Max pooling keeps
// the forward's workspace (the argmax) for backward.
#pragma once

#include <memory>
#include <string>

#include "backends/cpu_dnnl/dnnl_common.h"
#include "backends/cpu_ref/pooling.h"
#include "ops/pooling.h"

namespace svertka::cpu_dnnl {

class Pool final : public Kernel {
 public:
  Pool(const PoolOp& op, const std::vector<Shape>& inputs);
  void forward(const ForwardArgs<float>& args) override;
  void backward(const BackwardArgs<float>& args) override;

 private:
  // Set for the geometries oneDNN cannot express (see the constructor); then it does all the work.
  std::unique_ptr<cpu_ref::Pool<float>> fallback_;
  std::string label_;
  bool max_ = true;
  bool has_workspace_ = false;  // max pooling: valid after the first forward
  dnnl::pooling_forward forward_;
  dnnl::pooling_backward backward_;
  dnnl::memory x_, y_, dx_, dy_, workspace_;
};

}  // namespace svertka::cpu_dnnl
