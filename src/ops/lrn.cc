#include "svertka/ops/lrn.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "core/op_registry.h"

namespace svertka {

std::vector<Shape> LrnOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  const LrnParams& p = params_;
  if (p.local_size <= 0 || p.local_size % 2 == 0)
    fail_param("local_size must be odd and positive, got " + std::to_string(p.local_size));
  if (!std::isfinite(p.alpha) || p.alpha < 0)
    fail_param(fmt::format("alpha must be finite and non-negative, got {}", p.alpha));
  if (!std::isfinite(p.beta)) fail_param(fmt::format("beta must be finite, got {}", p.beta));
  if (!std::isfinite(p.k) || p.k <= 0)
    fail_param(fmt::format("k must be finite and positive, got {}", p.k));
  if (inputs[0].rank() != 4) fail_shape("expects a 4-D input (N,C,H,W), got " + inputs[0].str());
  return {inputs[0]};
}

int64_t LrnOp::forward_macs(const std::vector<Shape>& inputs) const {
  return output_shapes(inputs)[0].numel() * params_.local_size;
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in lrn_formats.cc.

namespace {

std::shared_ptr<Op> read_catalog(const CatalogRow& row) {
  LrnParams p;
  p.local_size = row.integer("size", p.local_size);
  p.alpha = row.real("alpha", p.alpha);
  p.beta = row.real("beta", p.beta);
  p.k = row.real("k", p.k);
  return std::make_shared<LrnOp>(p);
}

CatalogRow write_catalog(const Op& op) {
  const LrnParams& p = dynamic_cast<const LrnOp&>(op).params();
  return {"lrn",
          {{"size", std::to_string(p.local_size)},
           {"alpha", fmt::format("{}", p.alpha)},
           {"beta", fmt::format("{}", p.beta)},
           {"k", fmt::format("{}", p.k)}}};
}

std::vector<OpSample> samples() {
  return {{std::make_shared<LrnOp>(LrnParams{}), {Shape{2, 7, 3, 3}}},
          {std::make_shared<LrnOp>(LrnParams{3, 2.0, 0.75, 1.5}), {Shape{1, 4, 2, 3}}}};
}

}  // namespace

const OpEntry& op_entry_lrn() {
  static const OpEntry entry{
      .type = LrnOp::kType,
      .catalog = CatalogMapping{.kinds = {"lrn"}, .read = read_catalog, .write = write_catalog},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
