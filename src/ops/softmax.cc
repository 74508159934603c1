#include "ops/softmax.h"

#include <string>

#include "core/op_registry.h"
#include "io/caffe_layers.h"
#include "io/onnx_nodes.h"

namespace svertka {

SoftmaxGeometry SoftmaxOp::geometry(const Shape& x) const {
  const int rank = x.rank();
  if (params_.axis < -rank || params_.axis >= rank || rank == 0)
    fail_param("axis=" + std::to_string(params_.axis) + " is out of range for input " + x.str() +
               " of rank " + std::to_string(rank));
  SoftmaxGeometry g;
  g.axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
  g.outer = x.numel(0, g.axis);
  g.channels = x[g.axis];
  g.inner = x.numel_from(g.axis + 1);
  if (g.channels <= 0)
    fail_shape("needs at least one element along axis " + std::to_string(g.axis) + ", got input " +
               x.str());
  return g;
}

std::vector<Shape> SoftmaxOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  geometry(inputs[0]);
  return {inputs[0]};
}

// The registry entry (core/op_registry.h): Caffe "Softmax", ONNX "Softmax".

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
  const int axis = int(r.attr_int("axis", r.opset() >= 13 ? -1 : 1));
  const std::string in = r.blob(0);
  const Shape& s = r.shape(in);
  const int a = axis < 0 ? axis + s.rank() : axis;
  if (r.opset() < 13 && s.numel(a + 1, s.rank()) != 1)
    r.fail("a softmax over several trailing axes is unsupported");
  r.add(std::make_shared<SoftmaxOp>(SoftmaxParams{axis}), {in});
}

void write_onnx(onnx_io::NodeWriter& w) {
  onnx_io::set_int(w.node("Softmax", w.inputs()), "axis", w.op<SoftmaxOp>().params().axis);
}

std::vector<OpSample> samples() {
  return {{std::make_shared<SoftmaxOp>(SoftmaxParams{}), {Shape{3, 5}}},
          {std::make_shared<SoftmaxOp>(SoftmaxParams{1}), {Shape{2, 4, 1, 1}}}};
}

}  // namespace

const OpEntry& op_entry_softmax() {
  static const OpEntry entry{
      .type = SoftmaxOp::kType,
      .caffe = CaffeMapping{.layer_type = "Softmax",
                            .v1_type = "SOFTMAX",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = OnnxMapping{.node_types = {"Softmax"}, .read = read_onnx, .write = write_onnx},
      .catalog = NoEquivalent{"on the class scores only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
