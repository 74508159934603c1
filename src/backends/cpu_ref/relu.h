// Reference ReLU: one elementwise loop each way, correct in place.
#pragma once

#include "svertka/ops/relu.h"

namespace svertka::cpu_ref {

template <class T>
class Relu final : public BasicKernel<T> {
 public:
  Relu(const ReluOp& op, const std::vector<Shape>& /*inputs*/)
      : slope_(static_cast<T>(op.params().negative_slope)) {}

  // inputs {x}, outputs {y}; y may alias x
  void forward(const ForwardArgs<T>& args) override;
  // outputs {y}, output_grads {dy} -> input_grads {dx?}; dx may alias dy, x is not read
  void backward(const BackwardArgs<T>& args) override;

 private:
  T slope_;
};

}  // namespace svertka::cpu_ref
