// InnerProduct (Caffe "InnerProduct", PyTorch Linear): y = x w^T + b.
//   x (N, ...) viewed as (N, K), K = product of the dims after the batch axis,
//   w (O, K), b (O) -> y (N, O)
// The flattening is free: a contiguous (N, C, H, W) buffer is already an (N, C*H*W) matrix.
#pragma once

#include <optional>

#include "svertka/op.h"
#include "svertka/ops/int8.h"

namespace svertka {

struct InnerProductParams {
  int64_t out_features = 0;  // O; must be set (AlexNet fc6: 4096)
  bool bias = true;
  // Set in a quantized model's layers (ops/int8.h): int8 kernels where the backend has them.
  std::optional<Int8Quantization> int8;
};

class InnerProductOp : public Op {
 public:
  static constexpr std::string_view kType = "InnerProduct";
  InnerProductOp() = default;
  explicit InnerProductOp(InnerProductParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const InnerProductParams& params() const { return params_; }

  // Validates params and input shape x; returns K, the features per sample.
  int64_t in_features(const Shape& x) const;

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  std::vector<Shape> param_shapes(const std::vector<Shape>& inputs) const override;
  std::vector<std::string> param_names() const override;
  int64_t forward_macs(const std::vector<Shape>& inputs) const override;

 private:
  InnerProductParams params_;
};

}  // namespace svertka
