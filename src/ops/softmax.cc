#include "svertka/ops/softmax.h"

#include <string>

#include "core/op_registry.h"

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

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in softmax_formats.cc.

namespace {

std::vector<OpSample> samples() {
  return {{std::make_shared<SoftmaxOp>(SoftmaxParams{}), {Shape{3, 5}}},
          {std::make_shared<SoftmaxOp>(SoftmaxParams{1}), {Shape{2, 4, 1, 1}}}};
}

}  // namespace

const OpEntry& op_entry_softmax() {
  static const OpEntry entry{
      .type = SoftmaxOp::kType,
      .catalog = NoEquivalent{"on the class scores only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
