// Reference concat: each input's (outer, C_i, inner) block is copied into its column range of the
// output's (outer, total, inner) view; backward copies the same ranges back out.
#pragma once

#include "svertka/ops/concat.h"

namespace svertka::cpu_ref {

template <class T>
class Concat final : public BasicKernel<T> {
 public:
  Concat(const ConcatOp& op, const std::vector<Shape>& inputs) : g_(op.geometry(inputs)) {}

  // inputs {x_0 .. x_{k-1}}, outputs {y}
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {dy} -> input_grads {dx_0? .. dx_{k-1}?}
  void backward(const BackwardArgs<T>& args) override;

 private:
  ConcatGeometry g_;
};

}  // namespace svertka::cpu_ref
