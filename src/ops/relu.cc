#include "ops/relu.h"

#include <fmt/format.h>

#include "core/op_registry.h"
#include "io/caffe_layers.h"
#include "io/onnx_nodes.h"

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

// The registry entry (core/op_registry.h): Caffe "ReLU", ONNX "Relu" / "LeakyRelu".

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  r.add(std::make_shared<ReluOp>(ReluParams{r.layer().relu_param().negative_slope()}));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const double slope = w.op<ReluOp>().params().negative_slope;
  if (slope != 0) w.layer().mutable_relu_param()->set_negative_slope(float(slope));
}

void read_onnx(onnx_io::NodeReader& r) {
  const bool leaky = r.node().op_type() == "LeakyRelu";
  r.add(std::make_shared<ReluOp>(ReluParams{leaky ? r.attr_float("alpha", 0.01f) : 0.0}),
        {r.blob(0)});
}

void write_onnx(onnx_io::NodeWriter& w) {
  const double slope = w.op<ReluOp>().params().negative_slope;
  onnx::NodeProto& n = w.node(slope == 0 ? "Relu" : "LeakyRelu", w.inputs());
  if (slope != 0) onnx_io::set_float(n, "alpha", slope);
}

std::vector<OpSample> samples() {
  return {{std::make_shared<ReluOp>(ReluParams{}), {Shape{2, 3, 4, 4}}},
          {std::make_shared<ReluOp>(ReluParams{0.1}), {Shape{2, 5}}}};
}

}  // namespace

const OpEntry& op_entry_relu() {
  static const OpEntry entry{
      .type = ReluOp::kType,
      .caffe =
          CaffeMapping{
              .layer_type = "ReLU", .v1_type = "RELU", .read = read_caffe, .write = write_caffe},
      .onnx =
          OnnxMapping{.node_types = {"Relu", "LeakyRelu"}, .read = read_onnx, .write = write_onnx},
      .catalog = NoEquivalent{"elementwise: its time follows from the blob sizes of the catalog"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
