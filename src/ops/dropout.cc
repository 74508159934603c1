#include "ops/dropout.h"

#include <fmt/format.h>

#include "core/op_registry.h"
#include "io/caffe_layers.h"
#include "io/onnx_nodes.h"

namespace svertka {

std::vector<Shape> DropoutOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  // Also rejects NaN. ratio = 1 would drop everything and scale by 1/0.
  if (!(params_.ratio >= 0 && params_.ratio < 1))
    fail_param(fmt::format("ratio must be in [0, 1), got {}", params_.ratio));
  return {inputs[0]};
}

void number_dropout_layers(NetSpec& spec) {
  uint64_t position = 0;
  for (LayerSpec& layer : spec.layers) {
    const auto* dropout = dynamic_cast<const DropoutOp*>(layer.op.get());
    if (!dropout) continue;
    ++position;
    if (dropout->params().seed != 0) continue;
    DropoutParams params = dropout->params();
    params.seed = position;
    auto op = std::make_shared<DropoutOp>(params);
    op->set_name(layer.op->name());
    layer.op = std::move(op);
  }
}

// The registry entry (core/op_registry.h): Caffe "Dropout", ONNX "Dropout".

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  DropoutParams d;
  d.ratio = r.layer().dropout_param().dropout_ratio();
  r.add(std::make_shared<DropoutOp>(d));
}

void write_caffe(caffe_io::LayerWriter& w) {
  w.layer().mutable_dropout_param()->set_dropout_ratio(float(w.op<DropoutOp>().params().ratio));
}

void read_onnx(onnx_io::NodeReader& r) {
  DropoutParams p;
  p.ratio = r.attr_float("ratio", 0.5f);
  if (r.has_input(1)) {
    const onnx_io::Constant& ratio = r.need_constant(1);
    if (ratio.numel() != 1) r.fail("the ratio input must hold one element");
    p.ratio = ratio.floats[0];
  }
  r.add(std::make_shared<DropoutOp>(p), {r.blob(0)});
}

void write_onnx(onnx_io::NodeWriter& w) {
  onnx_io::set_float(w.node("Dropout", w.inputs()), "ratio", w.op<DropoutOp>().params().ratio);
}

std::vector<OpSample> samples() {
  DropoutParams p;
  p.ratio = 0.3;
  p.seed = 7;
  return {{std::make_shared<DropoutOp>(p), {Shape{2, 3, 4, 4}}}};
}

}  // namespace

const OpEntry& op_entry_dropout() {
  static const OpEntry entry{
      .type = DropoutOp::kType,
      .caffe = CaffeMapping{.layer_type = "Dropout",
                            .v1_type = "DROPOUT",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"Dropout"}, .read = read_onnx, .write = write_onnx},
      .catalog = NoEquivalent{"elementwise: its time follows from the blob sizes of the catalog"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
