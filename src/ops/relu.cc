#include "svertka/ops/relu.h"

#include <fmt/format.h>

#include "core/op_registry.h"

namespace svertka {

std::vector<Shape> ReluOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  // Also rejects NaN.
  if (!(params_.negative_slope >= 0))
    fail_param(fmt::format(
        "negative_slope must be >= 0, got {}: with a negative slope the sign of y no longer tells "
        "the sign of x, and backward (which reads only y, to run in place) relies on it",
        params_.negative_slope));
  return {inputs[0]};
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in relu_formats.cc.

namespace {

std::vector<OpSample> samples() {
  return {{std::make_shared<ReluOp>(ReluParams{}), {Shape{2, 3, 4, 4}}},
          {std::make_shared<ReluOp>(ReluParams{0.1}), {Shape{2, 5}}}};
}

}  // namespace

const OpEntry& op_entry_relu() {
  static const OpEntry entry{
      .type = ReluOp::kType,
      .catalog = NoEquivalent{"elementwise: its time follows from the blob sizes of the catalog"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
