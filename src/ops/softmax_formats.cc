// The Caffe and ONNX mappings of SoftmaxOp: its format entry (io/format_registry.h).
// Caffe "Softmax", ONNX "Softmax".
#include <string>

#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/onnx_nodes.h"
#include "svertka/ops/softmax.h"

namespace svertka {

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(1, 1);
  r.add(std::make_shared<SoftmaxOp>(SoftmaxParams{r.layer().softmax_param().axis()}));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const int axis = w.op<SoftmaxOp>().params().axis;
  if (axis != 1) w.layer().mutable_softmax_param()->set_axis(axis);
}

// Before opset 13 Softmax flattens from `axis`: the same as one axis when the rest are 1.
void read_onnx(onnx_io::NodeReader& r) {
  const std::string in = r.blob(0);
  const Shape& s = r.shape(in);
  const int64_t fallback = r.opset() >= 13 ? -1 : 1;
  const int a = r.attr_axis("axis", fallback, s.rank());  // checked: the given axis fits an int
  const int axis = int(r.attr_int("axis", fallback));
  if (r.opset() < 13 && s.numel(a + 1, s.rank()) != 1)
    r.fail("a softmax over several trailing axes is unsupported");
  r.add(std::make_shared<SoftmaxOp>(SoftmaxParams{axis}), {in});
}

void write_onnx(onnx_io::NodeWriter& w) {
  onnx_io::set_int(w.node("Softmax", w.inputs()), "axis", w.op<SoftmaxOp>().params().axis);
}

}  // namespace

const FormatEntry& format_entry_softmax() {
  static const FormatEntry entry{
      .type = SoftmaxOp::kType,
      .caffe = CaffeMapping{.layer_type = "Softmax",
                            .v1_type = "SOFTMAX",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"Softmax"}, .read = read_onnx, .write = write_onnx},
  };
  return entry;
}

}  // namespace svertka
