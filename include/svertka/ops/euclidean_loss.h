// EuclideanLoss (Caffe "EuclideanLoss"): half the mean squared distance per sample.
//   a, b with equal element counts and equal dim 0 (N), e.g. (N, D) and (N, D, 1, 1) -> loss (1)
//   loss = sum((a - b)^2) / (2 * N)
// Backward: da = loss_weight * (a - b) / N and db = -da (both inputs get gradients, as in Caffe),
// where loss_weight is the output gradient.
#pragma once

#include "svertka/op.h"

namespace svertka {

struct EuclideanLossParams {};

class EuclideanLossOp : public Op {
 public:
  static constexpr std::string_view kType = "EuclideanLoss";
  EuclideanLossOp() = default;
  explicit EuclideanLossOp(EuclideanLossParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const EuclideanLossParams& params() const { return params_; }

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  bool is_loss() const override { return true; }

 private:
  EuclideanLossParams params_;
};

}  // namespace svertka
