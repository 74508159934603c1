// The Caffe and ONNX mappings of ConcatOp: its format entry (io/format_registry.h).
// Caffe "Concat", ONNX "Concat".
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/concat.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(-1, 1);
  const auto& p = r.layer().concat_param();
  const int axis = p.has_axis() ? p.axis() : int(p.concat_dim());
  r.add(std::make_shared<ConcatOp>(ConcatParams{axis}));
}

void write_caffe(caffe_io::LayerWriter& w) {
  w.layer().mutable_concat_param()->set_axis(w.op<ConcatOp>().params().axis);
}

void read_onnx(onnx_io::NodeReader& r) {
  std::vector<std::string> bottoms;
  for (int i = 0; i < r.node().input_size(); ++i) bottoms.push_back(r.blob(i));
  const int rank = r.shape(bottoms.at(0)).rank();
  r.attr_axis("axis", 1, rank);  // in range, so that it fits an int
  r.add(std::make_shared<ConcatOp>(ConcatParams{int(r.attr_int("axis", 1))}), bottoms);
}

void write_onnx(onnx_io::NodeWriter& w) {
  onnx_io::set_int(w.node("Concat", w.inputs()), "axis", w.op<ConcatOp>().params().axis);
}

}  // namespace

const FormatEntry& format_entry_concat() {
  static const FormatEntry entry{
      .type = ConcatOp::kType,
      .caffe = CaffeMapping{.layer_type = "Concat",
                            .v1_type = "CONCAT",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"Concat"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
