// Finite-difference gradient check of an op's reference kernel, in double precision (after Caffe's
// GradientChecker). The scalar checked is L = sum_k R_k * y_k over all outputs with fixed random
// weights R, so every output element contributes; dL/dinputs and dL/dparams come from backward with
// output gradients R, and are compared to central differences (L(v+h) - L(v-h)) / 2h.
#pragma once

#include <functional>
#include <vector>

#include "svertka/op.h"

namespace svertka::testing {

using TensorD = BasicTensor<double>;

struct GradientCheckOptions {
  double step = 1e-4;
  // |analytic - numeric| <= tolerance * max(|analytic|, |numeric|, 1)
  double tolerance = 1e-6;
  // At most this many elements per tensor are checked (evenly spread); 0 checks all.
  int64_t max_points_per_tensor = 400;
  Phase phase = Phase::kTrain;
  // Points where the function is not differentiable within `step` are skipped (ReLU at 0, ties in
  // max pooling). Called with (input index, element index, inputs) before perturbing.
  std::function<bool(int input, int64_t element, const std::vector<TensorD>& inputs)> near_kink;
};

struct GradientCheckReport {
  int64_t checked = 0;
  int64_t skipped = 0;
  double worst_error = 0;             // relative, as in the tolerance
  std::vector<std::string> failures;  // at most a few, readable
};

// `inputs` are the op's inputs (labels included, as values); params are drawn at random from
// `seed`.
GradientCheckReport check_gradients(const Op& op, const std::vector<TensorD>& inputs, uint64_t seed,
                                    const GradientCheckOptions& options = {});

}  // namespace svertka::testing
