#include "svertka/ops/softmax_loss.h"

#include <string>

#include "core/op_registry.h"

namespace svertka {

SoftmaxLossGeometry SoftmaxLossOp::geometry(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 2);
  const Shape& scores = inputs[0];
  const Shape& labels = inputs[1];
  if (scores.rank() < 2 || scores[1] <= 0)
    fail_shape("expects scores (N,C) or (N,C,H,W) with C >= 1, got " + scores.str());
  SoftmaxLossGeometry g;
  g.n = scores[0];
  g.classes = scores[1];
  g.inner = scores.numel_from(2);
  if (labels.numel() != g.n * g.inner)
    fail_shape("labels " + labels.str() + " hold " + std::to_string(labels.numel()) +
               " values, but scores " + scores.str() +
               " need one per position (N*H*W = " + std::to_string(g.n * g.inner) + ")");
  return g;
}

std::vector<Shape> SoftmaxLossOp::output_shapes(const std::vector<Shape>& inputs) const {
  geometry(inputs);
  return {Shape{1}};
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in
// softmax_loss_formats.cc.

namespace {

std::vector<OpSample> samples() {
  SoftmaxLossParams ignoring;
  ignoring.ignore_label = 2;
  return {{std::make_shared<SoftmaxLossOp>(SoftmaxLossParams{}),
           {Shape{3, 5}, Shape{3}},
           {{1, {1, 4, 0}}}},
          {std::make_shared<SoftmaxLossOp>(ignoring),
           {Shape{2, 4, 2, 1}, Shape{2, 2, 1}},
           {{1, {2, 0, 3, 1}}}}};
}

}  // namespace

const OpEntry& op_entry_softmax_loss() {
  static const OpEntry entry{
      .type = SoftmaxLossOp::kType,
      .catalog = NoEquivalent{"on the class scores only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
