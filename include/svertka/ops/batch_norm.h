// BatchNorm (Ioffe & Szegedy 2015; Caffe "BatchNorm" + "Scale", PyTorch BatchNorm1d/2d, ONNX
// BatchNormalization): per channel c of x (N, C, ...), over its M = N * spatial values,
//   y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c       (weight, bias when affine)
// With batch statistics (TRAIN, unless use_global_stats) mean and var are the batch's (var divided
// by M), and the running statistics move towards them as in PyTorch:
//   running_mean = (1 - momentum) * running_mean + momentum * mean
//   running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)   (unbiased)
// With global statistics (TEST, or use_global_stats) mean and var are the running ones.
//   x (N, C, ...) -> y (same shape)
//   parameters: weight (C), bias (C) when affine; running_mean (C), running_var (C), which are
//   state (Op::param_is_state): updated by the TRAIN forward, never by the solver.
#pragma once

#include <optional>

#include "svertka/op.h"

namespace svertka {

struct BatchNormParams {
  double eps = 1e-5;  // added to the variance; > 0 (PyTorch's and Caffe's default)
  // Weight of each batch's statistics in the running ones, in [0, 1] (PyTorch's default). Caffe's
  // moving_average_fraction is 1 - momentum; ONNX's momentum is 1 - momentum.
  double momentum = 0.1;
  // Normalise with the running statistics; unset: in TEST only (Caffe's default). True in TRAIN
  // freezes the statistics (fine-tuning with small batches).
  std::optional<bool> use_global_stats;
  bool affine = true;  // learn weight and bias (Caffe: the Scale layer with bias_term after it)
};

// x viewed as (n, channels, inner): the values of channel c are x[i, c, j] for every i, j.
struct BatchNormGeometry {
  int64_t n, channels, inner;
  int64_t values_per_channel() const { return n * inner; }
};

class BatchNormOp : public Op {
 public:
  static constexpr std::string_view kType = "BatchNorm";
  BatchNormOp() = default;
  explicit BatchNormOp(BatchNormParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const BatchNormParams& params() const { return params_; }
  // Whether a pass in `phase` normalises with the running statistics.
  bool uses_global_stats(Phase phase) const {
    return params_.use_global_stats.value_or(phase == Phase::kTest);
  }
  // The index of running_mean among the parameters (running_var follows it).
  size_t running_mean_index() const { return params_.affine ? 2 : 0; }

  // Validates and returns the geometry for input shape x; throws naming the offending values.
  BatchNormGeometry geometry(const Shape& x) const;

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  std::vector<Shape> param_shapes(const std::vector<Shape>& inputs) const override;
  // "weight", "bias" (when affine), "running_mean", "running_var": PyTorch's names.
  std::vector<std::string> param_names() const override;
  bool param_is_state(size_t i) const override { return i >= running_mean_index(); }
  // weight and running_var start at 1, bias and running_mean at 0.
  Filler default_filler(size_t i) const override;
  // A subtraction and a multiply-add per element.
  int64_t forward_macs(const std::vector<Shape>& inputs) const override;

 private:
  BatchNormParams params_;
};

}  // namespace svertka
