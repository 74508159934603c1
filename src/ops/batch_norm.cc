#include "svertka/ops/batch_norm.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "core/op_registry.h"

namespace svertka {

BatchNormGeometry BatchNormOp::geometry(const Shape& x) const {
  const BatchNormParams& p = params_;
  if (!std::isfinite(p.eps) || p.eps <= 0)
    fail_param(fmt::format("eps must be finite and positive, got {}", p.eps));
  if (!(p.momentum >= 0 && p.momentum <= 1))
    fail_param(fmt::format("momentum must be in [0, 1], got {}", p.momentum));
  if (x.rank() < 2 || x[1] <= 0)
    fail_shape("expects an input (N,C,...) with C >= 1, got " + x.str());
  return {x[0], x[1], x.numel_from(2)};
}

std::vector<Shape> BatchNormOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  geometry(inputs[0]);
  return {inputs[0]};
}

std::vector<Shape> BatchNormOp::param_shapes(const std::vector<Shape>& inputs) const {
  const Shape channels{geometry(inputs.at(0)).channels};
  return std::vector<Shape>(params_.affine ? 4 : 2, channels);
}

std::vector<std::string> BatchNormOp::param_names() const {
  if (params_.affine) return {"weight", "bias", "running_mean", "running_var"};
  return {"running_mean", "running_var"};
}

Filler BatchNormOp::default_filler(size_t i) const {
  const bool one = params_.affine ? (i == 0 || i == 3) : i == 1;
  return Filler::constant(one ? 1 : 0);
}

int64_t BatchNormOp::forward_macs(const std::vector<Shape>& inputs) const {
  return 2 * output_shapes(inputs)[0].numel();
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in
// batch_norm_formats.cc.

namespace {

std::vector<OpSample> samples() {
  BatchNormParams batch;
  batch.eps = 1e-3;
  BatchNormParams frozen = batch;
  frozen.use_global_stats = true;
  BatchNormParams bare = batch;
  bare.affine = false;
  return {{std::make_shared<BatchNormOp>(batch), {Shape{2, 3, 4, 4}}},
          {std::make_shared<BatchNormOp>(frozen), {Shape{3, 2, 5}}},
          {std::make_shared<BatchNormOp>(bare), {Shape{4, 3}}}};
}

}  // namespace

const OpEntry& op_entry_batch_norm() {
  static const OpEntry entry{
      .type = BatchNormOp::kType,
      .catalog = NoEquivalent{"AlexNet, VGG-16 and GoogLeNet have no batch normalisation"},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
