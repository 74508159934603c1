// Dropout (Caffe "Dropout"), inverted: the scaling happens at training time, so TEST is identity.
//   TRAIN: y = x * mask / (1 - ratio), mask ~ Bernoulli(1 - ratio) per element
//   TEST:  y = x
//   x (any shape) -> y (same shape); runs in place.
//
// The mask is a pure function of (seed, step, element index), never of a stateful generator or the
// thread count: the same step gives the same mask, the next step a fresh one.
#pragma once

#include <cstdint>

#include "svertka/op.h"

namespace svertka {

struct DropoutParams {
  double ratio = 0.5;  // probability of dropping an element, in [0, 1)
  uint64_t seed = 0;   // combined with ForwardArgs::step to draw each step's mask
};

class DropoutOp : public Op {
 public:
  static constexpr std::string_view kType = "Dropout";
  DropoutOp() = default;
  explicit DropoutOp(DropoutParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const DropoutParams& params() const { return params_; }

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  bool supports_in_place() const override { return true; }

 private:
  DropoutParams params_;
};

}  // namespace svertka
