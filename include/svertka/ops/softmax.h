// Softmax (Caffe "Softmax"): y = exp(x - max) / sum(exp(x - max)) along one axis.
//   x (N, C) or (N, C, H, W) -> y of the same shape; axis 1 normalises over classes (C).
// Backward: dx = y * (dy - sum_axis(dy * y)).
#pragma once

#include "svertka/op.h"

namespace svertka {

struct SoftmaxParams {
  int axis = 1;  // negative counts from the end: -1 is the last axis
};

// The input viewed as (outer, channels, inner): outer is the product of the dims before the axis,
// inner of those after it; each of the outer*inner positions is normalised over `channels`.
struct SoftmaxGeometry {
  int axis;  // in [0, rank)
  int64_t outer, channels, inner;
};

class SoftmaxOp : public Op {
 public:
  static constexpr std::string_view kType = "Softmax";
  SoftmaxOp() = default;
  explicit SoftmaxOp(SoftmaxParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const SoftmaxParams& params() const { return params_; }

  // Validates and returns the geometry for input shape x; throws naming the offending values.
  SoftmaxGeometry geometry(const Shape& x) const;

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;

 private:
  SoftmaxParams params_;
};

}  // namespace svertka
