#include "ops/euclidean_loss.h"

#include <string>

#include "core/op_registry.h"
#include "io/caffe_layers.h"
#include "io/onnx_nodes.h"

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

// The registry entry (core/op_registry.h): Caffe "EuclideanLoss" (same normalisation: 1 / 2N).

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(2, 1);
  r.add(std::make_shared<EuclideanLossOp>());
}

void write_caffe(caffe_io::LayerWriter& /*w*/) {}  // the loss weight is written for every layer

std::vector<OpSample> samples() {
  return {{std::make_shared<EuclideanLossOp>(), {Shape{3, 4}, Shape{3, 4}}},
          {std::make_shared<EuclideanLossOp>(), {Shape{2, 3}, Shape{2, 3, 1, 1}}}};
}

}  // namespace

const OpEntry& op_entry_euclidean_loss() {
  static const OpEntry entry{
      .type = EuclideanLossOp::kType,
      .caffe = CaffeMapping{.layer_type = "EuclideanLoss",
                            .v1_type = "EUCLIDEAN_LOSS",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = NoEquivalent{"a training loss: ONNX export writes the inference graph"},
      .catalog = NoEquivalent{"on the box outputs only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
