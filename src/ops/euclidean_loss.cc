#include "svertka/ops/euclidean_loss.h"

#include <string>

#include "core/op_registry.h"

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

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in
// euclidean_loss_formats.cc.

namespace {

std::vector<OpSample> samples() {
  return {{std::make_shared<EuclideanLossOp>(), {Shape{3, 4}, Shape{3, 4}}},
          {std::make_shared<EuclideanLossOp>(), {Shape{2, 3}, Shape{2, 3, 1, 1}}}};
}

}  // namespace

const OpEntry& op_entry_euclidean_loss() {
  static const OpEntry entry{
      .type = EuclideanLossOp::kType,
      .catalog = NoEquivalent{"on the box outputs only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
