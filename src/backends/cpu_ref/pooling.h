// Reference pooling: one loop over every output's window, Caffe's semantics spelled out.
#pragma once

#include <string>

#include "svertka/ops/pooling.h"

namespace svertka::cpu_ref {

template <class T>
class Pool final : public BasicKernel<T> {
 public:
  Pool(const PoolOp& op, const std::vector<Shape>& inputs)
      : g_(op.geometry(inputs.at(0))),
        method_(op.params().method),
        exclude_padding_(op.params().exclude_padding),
        label_(op.label()) {}

  // inputs {x}, outputs {y}; max pooling remembers each output's argmax for backward.
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {dy} -> input_grads {dx?}; max pooling routes dy to the last forward's argmax.
  void backward(const BackwardArgs<T>& args) override;

 private:
  PoolGeometry g_;
  PoolMethod method_;
  bool exclude_padding_;
  std::string label_;
  std::vector<int64_t> argmax_;  // (N, C, OH, OW): the winner's index in its input plane (y*W + x)
};

}  // namespace svertka::cpu_ref
