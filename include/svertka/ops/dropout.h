// Dropout (Caffe "Dropout"), inverted: the scaling happens at training time, so TEST is identity.
//   TRAIN: y = x * mask / (1 - ratio), mask ~ Bernoulli(1 - ratio) per element
//   TEST:  y = x
//   x (any shape) -> y (same shape); runs in place.
//
// The mask is a pure function of (seed, step, element index), never of a stateful generator or the
// thread count: the same step gives the same mask, the next step a fresh one.
#pragma once

#include <cstdint>

#include "svertka/net_spec.h"
#include "svertka/op.h"

namespace svertka {

struct DropoutParams {
  double ratio = 0.5;  // probability of dropping an element, in [0, 1)
  // Combined with ForwardArgs::step to draw each step's mask. 0 in a net being built or imported:
  // number_dropout_layers gives it one.
  uint64_t seed = 0;
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

// Gives every Dropout layer of `spec` whose seed is 0 its position among the net's Dropout layers
// (1, 2, ...) as seed, so that each layer draws its own masks. NetBuilder::build() and the
// importers call it: this is the one place layer seeds come from.
void number_dropout_layers(NetSpec& spec);

}  // namespace svertka
