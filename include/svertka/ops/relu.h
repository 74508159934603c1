// ReLU (Caffe "ReLU"), leaky when negative_slope > 0: y = x > 0 ? x : negative_slope * x.
//   x (any shape) -> y (same shape); runs in place.
// Backward reads only y: dx = dy * (y > 0 ? 1 : negative_slope), so x may already be overwritten.
#pragma once

#include "svertka/op.h"

namespace svertka {

struct ReluParams {
  // Slope for x <= 0; 0 is the plain ReLU. Must be >= 0 so that y > 0 exactly when x > 0.
  double negative_slope = 0;
};

class ReluOp : public Op {
 public:
  static constexpr std::string_view kType = "ReLU";
  ReluOp() = default;
  explicit ReluOp(ReluParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const ReluParams& params() const { return params_; }

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  bool supports_in_place() const override { return true; }
  std::optional<double> relu_slope() const override { return params_.negative_slope; }

 private:
  ReluParams params_;
};

}  // namespace svertka
