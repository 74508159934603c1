// Accuracy (Caffe "Accuracy"): the fraction of samples whose label is among the top_k scores.
//   scores (N, C) (trailing dims of 1 allowed: (N, C, 1, 1)), labels (N) -> accuracy (1)
// Labels are floats holding class indices in [0, C). Caffe's tie rule: a sample is correct iff
// fewer than top_k classes score strictly higher than its label. Samples labelled ignore_label are
// left out of the fraction; with none left it is 0. A NaN or Inf score of a counted sample is a
// NotFiniteError, never a correct answer. Evaluation only: there is no backward.
#pragma once

#include <optional>

#include "svertka/op.h"

namespace svertka {

struct AccuracyParams {
  int64_t top_k = 1;  // in [1, C]: 5 gives ImageNet's top-5
  std::optional<int64_t> ignore_label;
};

class AccuracyOp : public Op {
 public:
  static constexpr std::string_view kType = "Accuracy";
  AccuracyOp() = default;
  explicit AccuracyOp(AccuracyParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const AccuracyParams& params() const { return params_; }

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  bool has_backward() const override { return false; }
  bool input_has_grad(int /*i*/) const override { return false; }

 private:
  AccuracyParams params_;
};

// NotFiniteError "<op>: sample <n> scores class <c> as nan; the model's outputs are not finite ...",
// the backends' one message for a NaN or Inf score (which, counted, would make a sample correct).
[[noreturn]] void throw_scores_not_finite(const std::string& op_label, int64_t sample,
                                          int64_t class_index, double value);

}  // namespace svertka
