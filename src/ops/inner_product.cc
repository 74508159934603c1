#include "ops/inner_product.h"

#include <string>

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

}  // namespace svertka
