#include "svertka/ops/accuracy.h"

#include <fmt/format.h>

#include <string>

#include "core/op_registry.h"
#include "svertka/error.h"

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

void throw_scores_not_finite(const std::string& op_label, int64_t sample, int64_t class_index,
                             double value) {
  throw NotFiniteError(fmt::format(
      "{}: sample {} scores class {} as {}; the model's outputs are not finite (NaN or Inf in "
      "its weights or inputs, or a training that diverged)",
      op_label, sample, class_index, value));
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in accuracy_formats.cc.

namespace {

std::vector<OpSample> samples() {
  AccuracyParams top2;
  top2.top_k = 2;
  return {{std::make_shared<AccuracyOp>(top2), {Shape{4, 5}, Shape{4}}, {{1, {0, 2, 4, 1}}}}};
}

}  // namespace

const OpEntry& op_entry_accuracy() {
  static const OpEntry entry{
      .type = AccuracyOp::kType,
      .catalog = NoEquivalent{"on the class scores only: no layer shape worth benchmarking"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
