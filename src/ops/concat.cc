#include "svertka/ops/concat.h"

#include <string>

#include "core/op_registry.h"

namespace svertka {

ConcatGeometry ConcatOp::geometry(const std::vector<Shape>& inputs) const {
  if (inputs.empty()) fail_shape("expects at least 1 input, got 0");
  const Shape& first = inputs[0];
  const int rank = first.rank();
  if (params_.axis < -rank || params_.axis >= rank || rank == 0)
    fail_param("axis=" + std::to_string(params_.axis) + " is out of range for input 0 " +
               first.str() + " of rank " + std::to_string(rank));
  ConcatGeometry g;
  g.axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
  g.outer = first.numel(0, g.axis);
  g.inner = first.numel_from(g.axis + 1);
  g.total = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    bool agree = s.rank() == rank;
    for (int d = 0; agree && d < rank; ++d) agree = d == g.axis || s[d] == first[d];
    if (!agree)
      fail_shape("input " + std::to_string(i) + " " + s.str() + " does not match input 0 " +
                 first.str() + " on every axis but axis " + std::to_string(g.axis));
    g.sizes.push_back(s[g.axis]);
    g.offsets.push_back(g.total);
    g.total += s[g.axis];
  }
  return g;
}

std::vector<Shape> ConcatOp::output_shapes(const std::vector<Shape>& inputs) const {
  const ConcatGeometry g = geometry(inputs);
  Shape y = inputs[0];
  y[g.axis] = g.total;
  return {y};
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in concat_formats.cc.

namespace {

std::vector<OpSample> samples() {
  return {{std::make_shared<ConcatOp>(ConcatParams{}), {Shape{2, 3, 4, 4}, Shape{2, 5, 4, 4}}},
          {std::make_shared<ConcatOp>(ConcatParams{-1}), {Shape{2, 3}, Shape{2, 2}, Shape{2, 1}}}};
}

}  // namespace

const OpEntry& op_entry_concat() {
  static const OpEntry entry{
      .type = ConcatOp::kType,
      .catalog = NoEquivalent{"a copy: its time follows from the blob sizes of the catalog"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
