// Reference convolution: direct loops, the oracle for every faster kernel.
//
// The loops run over output rows so the innermost loop walks contiguous memory (and vectorises for
// stride 1); that keeps the catalog tests on full VGG shapes fast enough while staying obvious.
#pragma once

#include "svertka/ops/conv.h"

namespace svertka::cpu_ref {

template <class T>
class Conv final : public BasicKernel<T> {
 public:
  Conv(const ConvOp& op, const std::vector<Shape>& inputs)
      : g_(op.geometry(inputs.at(0))), bias_(op.params().bias) {}

  // inputs {x}, params {w, b?}, outputs {y}
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {dy} -> input_grads {dx?}, param_grads {dw?, db?}
  void backward(const BackwardArgs<T>& args) override;

 private:
  ConvGeometry g_;
  bool bias_;
};

}  // namespace svertka::cpu_ref
