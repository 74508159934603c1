// Runs one op on two backends with identical inputs and parameters and reports the largest
// relative difference of every output and gradient. An element's relative error is
// |a - b| / max(|b|, rms(b)): values near zero are judged against the tensor's typical magnitude,
// since a long float sum that cancels to ~0 carries absolute, not relative, rounding error.
#pragma once

#include <string>
#include <vector>

#include "relative_error.h"
#include "svertka/op.h"

namespace svertka::testing {

struct BackendCompareOptions {
  Backend expected = Backend::kCpuRef;
  Backend actual = Backend::kCpuDnnl;
  Phase phase = Phase::kTrain;
  bool backward = true;
  // Inputs that must hold specific values (labels); others are uniform in [-1, 1].
  std::vector<std::pair<int, Tensor>> fixed_inputs;
};

struct Difference {
  std::string what;  // "output 0", "input grad 0", "param grad weight", "state 0 after forward"
  double max_relative_error = 0;
};

std::vector<Difference> compare_backends(const Op& op, const std::vector<Shape>& input_shapes,
                                         uint64_t seed, const BackendCompareOptions& options = {});

}  // namespace svertka::testing
