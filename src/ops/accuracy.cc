#include "ops/accuracy.h"

#include <string>

#include "core/op_registry.h"
#include "io/caffe_layers.h"
#include "io/onnx_nodes.h"

namespace svertka {

std::vector<Shape> AccuracyOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 2);
  const Shape& scores = inputs[0];
  const Shape& labels = inputs[1];
  if (scores.rank() < 2 || scores.numel_from(2) != 1)
    fail_shape("expects scores (N,C), got " + scores.str());
  if (labels.numel() != scores[0])
    fail_shape("labels " + labels.str() + " hold " + std::to_string(labels.numel()) +
               " values, but scores " + scores.str() + " have N=" + std::to_string(scores[0]) +
               " samples");
  if (params_.top_k < 1 || params_.top_k > scores[1])
    fail_param("top_k=" + std::to_string(params_.top_k) +
               " must be in [1, C=" + std::to_string(scores[1]) + "] for scores " + scores.str());
  return {Shape{1}};
}

// The registry entry (core/op_registry.h): Caffe "Accuracy".

namespace {

void read_caffe(caffe_io::LayerReader& r) {
  r.expect_blobs(2, 1);
  const auto& p = r.layer().accuracy_param();
  if (p.axis() != 1) r.fail("axis other than 1 is unsupported");
  AccuracyParams a;
  a.top_k = p.top_k();
  if (p.has_ignore_label()) a.ignore_label = p.ignore_label();
  r.add(std::make_shared<AccuracyOp>(a));
}

void write_caffe(caffe_io::LayerWriter& w) {
  const AccuracyParams& p = w.op<AccuracyOp>().params();
  if (p.top_k != 1) w.layer().mutable_accuracy_param()->set_top_k(uint32_t(p.top_k));
  if (p.ignore_label)
    w.layer().mutable_accuracy_param()->set_ignore_label(int32_t(*p.ignore_label));
}

std::vector<OpSample> samples() {
  AccuracyParams top2;
  top2.top_k = 2;
  return {{std::make_shared<AccuracyOp>(top2), {Shape{4, 5}, Shape{4}}, {{1, {0, 2, 4, 1}}}}};
}

}  // namespace

const OpEntry& op_entry_accuracy() {
  static const OpEntry entry{
      .type = AccuracyOp::kType,
      .caffe = CaffeMapping{.layer_type = "Accuracy",
                            .v1_type = "ACCURACY",
                            .read = read_caffe,
                            .write = write_caffe},
      .onnx = NoEquivalent{"an evaluation metric: ONNX export writes the inference graph"},
      .catalog = NoEquivalent{"on the class scores only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
