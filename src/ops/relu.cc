#include "ops/relu.h"

#include <fmt/format.h>

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

}  // namespace svertka
