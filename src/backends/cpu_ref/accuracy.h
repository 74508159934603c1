// Reference Accuracy: for each sample, count the classes scoring strictly above its label (Caffe's
// tie rule); it is correct when that count is below top_k.
#pragma once

#include <optional>
#include <string>

#include "svertka/ops/accuracy.h"

namespace svertka::cpu_ref {

template <class T>
class Accuracy final : public BasicKernel<T> {
 public:
  Accuracy(const AccuracyOp& op, const std::vector<Shape>& inputs)
      : op_label_(op.label()),
        n_(inputs.at(0)[0]),
        classes_(inputs.at(0)[1]),
        top_k_(op.params().top_k),
        ignore_label_(op.params().ignore_label) {}

  // inputs {scores, labels}, outputs {accuracy (1)}. Throws DataError for a label outside [0, C)
  // or a score that is not finite.
  void forward(const ForwardArgs<T>& args) override;
  // Throws: accuracy is not differentiable.
  void backward(const BackwardArgs<T>& args) override;

 private:
  std::string op_label_;  // for error messages
  int64_t n_, classes_, top_k_;
  std::optional<int64_t> ignore_label_;
};

}  // namespace svertka::cpu_ref
