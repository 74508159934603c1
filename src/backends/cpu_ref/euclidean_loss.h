// Reference EuclideanLoss: sum((a - b)^2) / (2N), the sum accumulated in double.
#pragma once

#include "svertka/ops/euclidean_loss.h"

namespace svertka::cpu_ref {

template <class T>
class EuclideanLoss final : public BasicKernel<T> {
 public:
  EuclideanLoss(const EuclideanLossOp& /*op*/, const std::vector<Shape>& inputs)
      : n_(inputs.at(0)[0]), numel_(inputs.at(0).numel()) {}

  // inputs {a, b}, outputs {loss (1)}
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {loss_weight (1)} -> input_grads {da?, db?}
  void backward(const BackwardArgs<T>& args) override;

 private:
  int64_t n_, numel_;
};

}  // namespace svertka::cpu_ref
