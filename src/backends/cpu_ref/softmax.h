// Reference softmax: for each of the outer*inner positions, subtract the maximum over the axis,
// exponentiate and divide by the sum (accumulated in double).
#pragma once

#include "svertka/ops/softmax.h"

namespace svertka::cpu_ref {

// y = softmax of x over `channels`, both viewed as (outer, channels, inner). Also used by
// SoftmaxWithLoss.
template <class T>
void softmax_forward(const T* x, T* y, int64_t outer, int64_t channels, int64_t inner);

template <class T>
class Softmax final : public BasicKernel<T> {
 public:
  Softmax(const SoftmaxOp& op, const std::vector<Shape>& inputs) : g_(op.geometry(inputs.at(0))) {}

  // inputs {x}, outputs {y}
  void forward(const ForwardArgs<T>& args) override;
  // outputs {y}, output_grads {dy} -> input_grads {dx?}; dx = y * (dy - sum_axis(dy * y))
  void backward(const BackwardArgs<T>& args) override;

 private:
  SoftmaxGeometry g_;
};

}  // namespace svertka::cpu_ref
