// SoftmaxWithLoss (Caffe "SoftmaxWithLoss"): softmax over classes, then the mean multinomial
// logistic loss over the labelled positions.
//   scores (N, C) or (N, C, H, W), labels (N) / (N, H, W) / (N, 1, H, W) -> loss (1)
//   loss = mean over non-ignored positions of -log(max(p_label, FLT_MIN))
// Labels are floats holding class indices in [0, C). Caffe's VALID normalisation: the mean is over
// the positions whose label is not ignore_label; with none left the loss is 0.
// Backward: d scores = loss_weight * (p - onehot(label)) / count_valid, 0 at ignored positions,
// where loss_weight is the output gradient (the net passes the layer's loss weight there).
#pragma once

#include <optional>

#include "svertka/op.h"

namespace svertka {

struct SoftmaxLossParams {
  std::optional<int64_t> ignore_label;  // positions with this label add no loss and no gradient
};

// scores viewed as (n, classes, inner): inner = H*W (1 for 2-D scores); labels hold n*inner values.
struct SoftmaxLossGeometry {
  int64_t n, classes, inner;
};

class SoftmaxLossOp : public Op {
 public:
  static constexpr std::string_view kType = "SoftmaxWithLoss";
  SoftmaxLossOp() = default;
  explicit SoftmaxLossOp(SoftmaxLossParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const SoftmaxLossParams& params() const { return params_; }

  // Validates {scores, labels} and returns the geometry; throws naming the offending values.
  SoftmaxLossGeometry geometry(const std::vector<Shape>& inputs) const;

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  bool is_loss() const override { return true; }
  bool input_has_grad(int i) const override { return i == 0; }

 private:
  SoftmaxLossParams params_;
};

}  // namespace svertka
