#include "svertka/ops/inner_product.h"

#include <string>

#include "core/op_registry.h"

namespace svertka {

int64_t InnerProductOp::in_features(const Shape& x) const {
  if (params_.out_features <= 0)
    fail_param("out_features must be positive, got " + std::to_string(params_.out_features));
  if (x.rank() < 2) fail_shape("expects an input of rank >= 2 (N, ...), got " + x.str());
  return x.numel_from(1);
}

std::vector<Shape> InnerProductOp::output_shapes(const std::vector<Shape>& inputs) const {
  expect_inputs(inputs, 1);
  in_features(inputs[0]);
  return {Shape{inputs[0][0], params_.out_features}};
}

std::vector<Shape> InnerProductOp::param_shapes(const std::vector<Shape>& inputs) const {
  const int64_t k = in_features(inputs.at(0));
  std::vector<Shape> shapes{Shape{params_.out_features, k}};
  if (params_.bias) shapes.push_back(Shape{params_.out_features});
  return shapes;
}

std::vector<std::string> InnerProductOp::param_names() const {
  if (params_.bias) return {"weight", "bias"};
  return {"weight"};
}

int64_t InnerProductOp::forward_macs(const std::vector<Shape>& inputs) const {
  const Shape& x = inputs.at(0);
  return x[0] * in_features(x) * params_.out_features;
}

// The registry entry (core/op_registry.h); the Caffe and ONNX mappings are in
// inner_product_formats.cc.

namespace {

std::shared_ptr<Op> read_catalog(const CatalogRow& row) {
  InnerProductParams p;
  p.out_features = row.integer("out", 0);
  return std::make_shared<InnerProductOp>(p);
}

CatalogRow write_catalog(const Op& op) {
  return {"fc",
          {{"out", std::to_string(dynamic_cast<const InnerProductOp&>(op).params().out_features)}}};
}

std::vector<OpSample> samples() {
  return {{std::make_shared<InnerProductOp>(InnerProductParams{.out_features = 4, .bias = true}), {Shape{2, 3, 2, 2}}},
          {std::make_shared<InnerProductOp>(InnerProductParams{.out_features = 3, .bias = false}), {Shape{3, 5}}}};
}

}  // namespace

const OpEntry& op_entry_inner_product() {
  static const OpEntry entry{
      .type = InnerProductOp::kType,
      .catalog = CatalogMapping{.kinds = {"fc"}, .read = read_catalog, .write = write_catalog},
      .samples = samples,
  };
  return entry;
}

}  // namespace svertka
