// Local response normalisation across channels (Caffe "LRN", AlexNet section 3.3):
//   y_c = x_c / (k + (alpha/n) * sum_{c' in window(c)} x_c'^2)^beta
// where the window holds the n = local_size channels [c - (n-1)/2, c + (n-1)/2], clipped to [0, C).
//   x (N, C, H, W) -> y (N, C, H, W)
#pragma once

#include "svertka/op.h"

namespace svertka {

struct LrnParams {
  int64_t local_size = 5;  // n: channels in the window; odd, as Caffe requires
  double alpha = 1e-4;     // scale of the sum of squares (divided by n, as in Caffe); >= 0
  double beta = 0.75;      // exponent
  double k = 1.0;          // additive constant; > 0 keeps the base positive
};

class LrnOp : public Op {
 public:
  static constexpr std::string_view kType = "LRN";
  LrnOp() = default;
  explicit LrnOp(LrnParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const LrnParams& params() const { return params_; }

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  // One multiply-accumulate per window element for the sum of squares: N*C*H*W*n.
  int64_t forward_macs(const std::vector<Shape>& inputs) const override;

 private:
  LrnParams params_;
};

}  // namespace svertka
