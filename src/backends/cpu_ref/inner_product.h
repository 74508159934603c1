// Reference inner product: dot products over the flattened (N, K) input, summed in double.
#pragma once

#include "svertka/ops/inner_product.h"

namespace svertka::cpu_ref {

template <class T>
class InnerProduct final : public BasicKernel<T> {
 public:
  InnerProduct(const InnerProductOp& op, const std::vector<Shape>& inputs)
      : n_(inputs.at(0)[0]),
        k_(op.in_features(inputs.at(0))),
        o_(op.params().out_features),
        bias_(op.params().bias) {}

  // inputs {x}, params {w, b?}, outputs {y}
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {dy} -> input_grads {dx?}, param_grads {dw?, db?}
  void backward(const BackwardArgs<T>& args) override;

 private:
  int64_t n_, k_, o_;  // x viewed as (n_, k_), w (o_, k_), y (n_, o_)
  bool bias_;
};

}  // namespace svertka::cpu_ref
