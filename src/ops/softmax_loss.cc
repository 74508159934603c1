#include "ops/softmax_loss.h"

#include <string>

#include "core/op_registry.h"
#include "io/caffe_layers.h"
#include "io/onnx_nodes.h"

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

// The registry entry (core/op_registry.h): Caffe "SoftmaxWithLoss".

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(2, 1);
  const auto& p = r.layer().loss_param();
  SoftmaxLossParams s;
  if (p.has_ignore_label()) s.ignore_label = p.ignore_label();
  if (s.ignore_label && (p.has_normalize() || p.normalization() != caffe::LossParameter::VALID))
    r.fail("loss normalization other than VALID with an ignore_label is unsupported");
  if (r.layer().softmax_param().axis() != 1) r.fail("softmax axis other than 1 is unsupported");
  r.add(std::make_shared<SoftmaxLossOp>(s));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const auto& ignore = w.op<SoftmaxLossOp>().params().ignore_label;
  if (ignore) w.layer().mutable_loss_param()->set_ignore_label(int32_t(*ignore));
}

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
      .caffe = CaffeMapping{.layer_type = "SoftmaxWithLoss",
                            .v1_type = "SOFTMAX_LOSS",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = NoEquivalent{"a training loss: ONNX export writes the inference graph"},
      .catalog = NoEquivalent{"on the class scores only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
