#include "ops/softmax.h"

#include <string>

namespace svertka {

SoftmaxGeometry SoftmaxOp::geometry(const Shape& x) const {
  const int rank = x.rank();
  if (params_.axis < -rank || params_.axis >= rank || rank == 0)
    fail_param("axis=" + std::to_string(params_.axis) + " is out of range for input " + x.str() +
               " of rank " + std::to_string(rank));
  SoftmaxGeometry g;
  g.axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
  g.outer = x.numel(0, g.axis);
  g.channels = x[g.axis];
  g.inner = x.numel_from(g.axis + 1);
  if (g.channels <= 0)
    fail_shape("needs at least one element along axis " + std::to_string(g.axis) + ", got input " +
               x.str());
  return g;
}

std::vector<Shape> SoftmaxOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  geometry(inputs[0]);
  return {inputs[0]};
}

}  // namespace svertka
