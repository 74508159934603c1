#include "svertka/ops/dropout.h"

#include <fmt/format.h>

#include "core/op_registry.h"

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

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in dropout_formats.cc.

namespace {

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
      .catalog = NoEquivalent{"elementwise: its time follows from the blob sizes of the catalog"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
