#include "ops/dropout.h"

#include <fmt/format.h>

namespace svertka {

std::vector<Shape> DropoutOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  // Also rejects NaN. ratio = 1 would drop everything and scale by 1/0.
  if (!(params_.ratio >= 0 && params_.ratio < 1))
    fail_param(fmt::format("ratio must be in [0, 1), got {}", params_.ratio));
  return {inputs[0]};
}

}  // namespace svertka
