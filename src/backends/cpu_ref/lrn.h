// Reference local response normalisation across channels, Caffe's LRNLayer in plain loops.
#pragma once

#include "svertka/ops/lrn.h"

namespace svertka::cpu_ref {

template <class T>
class Lrn final : public BasicKernel<T> {
 public:
  Lrn(const LrnOp& op, const std::vector<Shape>& inputs)
      : p_(op.params()), shape_(op.output_shapes(inputs)[0]) {}

  // inputs {x}, outputs {y}
  void forward(const ForwardArgs<T>& args) override;
  // inputs {x}, output_grads {dy} -> input_grads {dx?}; recomputes the scales from x.
  void backward(const BackwardArgs<T>& args) override;

 private:
  LrnParams p_;
  Shape shape_;  // (N, C, H, W)
};

}  // namespace svertka::cpu_ref
