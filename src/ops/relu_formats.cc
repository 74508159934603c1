// The Caffe and ONNX mappings of ReluOp: its format entry (io/format_registry.h).
// Caffe "ReLU", ONNX "Relu" / "LeakyRelu".
#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/relu.h"

namespace svertka {

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

}  // namespace

const FormatEntry& format_entry_relu() {
  static const FormatEntry entry{
      .type = ReluOp::kType,
      .caffe =
          CaffeMapping{
              .layer_type = "ReLU", .v1_type = "RELU", .read = read_caffe, .write = write_caffe},
      .onnx =
          OnnxMapping{.node_types = {"Relu", "LeakyRelu"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
