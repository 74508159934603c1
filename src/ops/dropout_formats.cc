// The Caffe and ONNX mappings of DropoutOp: its format entry (io/format_registry.h).
// Caffe "Dropout", ONNX "Dropout".
#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/dropout.h"

namespace svertka {

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

}  // namespace

const FormatEntry& format_entry_dropout() {
  static const FormatEntry entry{
      .type = DropoutOp::kType,
      .caffe = CaffeMapping{.layer_type = "Dropout",
                            .v1_type = "DROPOUT",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"Dropout"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
