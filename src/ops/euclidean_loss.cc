#include "ops/euclidean_loss.h"

#include <string>

namespace svertka {

std::vector<Shape> EuclideanLossOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 2);
  const Shape& a = inputs[0];
  const Shape& b = inputs[1];
  if (a.rank() == 0 || b.rank() == 0 || a[0] <= 0 || a[0] != b[0] || a.numel() != b.numel())
    fail_shape("inputs " + a.str() + " and " + b.str() +
               " must have the same element count and the same positive dim 0 (N)");
  return {Shape{1}};
}

}  // namespace svertka
