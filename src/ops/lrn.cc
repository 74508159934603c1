#include "ops/lrn.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace svertka {

std::vector<Shape> LrnOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  const LrnParams& p = params_;
  if (p.local_size <= 0 || p.local_size % 2 == 0)
    fail_param("local_size must be odd and positive, got " + std::to_string(p.local_size));
  if (!std::isfinite(p.alpha) || p.alpha < 0)
    fail_param(fmt::format("alpha must be finite and non-negative, got {}", p.alpha));
  if (!std::isfinite(p.beta)) fail_param(fmt::format("beta must be finite, got {}", p.beta));
  if (!std::isfinite(p.k) || p.k <= 0)
    fail_param(fmt::format("k must be finite and positive, got {}", p.k));
  if (inputs[0].rank() != 4) fail_shape("expects a 4-D input (N,C,H,W), got " + inputs[0].str());
  return {inputs[0]};
}

int64_t LrnOp::forward_macs(const std::vector<Shape>& inputs) const {
  return output_shapes(inputs)[0].numel() * params_.local_size;
}

}  // namespace svertka
