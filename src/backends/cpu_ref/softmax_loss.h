// Reference SoftmaxWithLoss: softmax over classes (kept for backward), then the mean of
// -log(max(p_label, FLT_MIN)) over the positions whose label is not ignored.
#pragma once

#include <optional>
#include <string>

#include "svertka/ops/softmax_loss.h"

namespace svertka::cpu_ref {

template <class T>
class SoftmaxLoss final : public BasicKernel<T> {
 public:
  SoftmaxLoss(const SoftmaxLossOp& op, const std::vector<Shape>& inputs);

  // inputs {scores, labels}, outputs {loss (1)}. Throws DataError for a label outside [0, C).
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {loss_weight (1)} -> input_grads {d scores?, -}; uses the last forward's state.
  void backward(const BackwardArgs<T>& args) override;

 private:
  std::string op_label_;  // for error messages
  SoftmaxLossGeometry g_;
  std::optional<int64_t> ignore_label_;
  BasicTensor<T> prob_;          // (n, classes, inner)
  std::vector<int64_t> target_;  // (n * inner) class per position, -1 where ignored
  int64_t valid_ = 0;            // positions not ignored
};

}  // namespace svertka::cpu_ref
