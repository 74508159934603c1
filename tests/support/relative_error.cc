#include "relative_error.h"

#include <algorithm>
#include <cmath>

namespace svertka::testing {

double max_relative_error(const Tensor& actual, const Tensor& expected) {
  if (actual.numel() != expected.numel()) return INFINITY;
  double sum_sq = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) sum_sq += double(expected[i]) * expected[i];
  const double rms = expected.numel() > 0 ? std::sqrt(sum_sq / double(expected.numel())) : 0.0;
  double worst = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    const double a = actual[i], e = expected[i];
    if (!std::isfinite(a) || !std::isfinite(e)) {
      if (a != e) return INFINITY;
      continue;
    }
    const double scale = std::max({std::abs(e), rms, 1e-30});
    worst = std::max(worst, std::abs(a - e) / scale);
  }
  return worst;
}

double normwise_relative_error(const Tensor& actual, const Tensor& expected) {
  if (actual.numel() != expected.numel()) return INFINITY;
  double difference = 0, norm = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    const double d = double(actual[i]) - expected[i];
    difference += d * d;
    norm += double(expected[i]) * expected[i];
  }
  return norm > 0 ? std::sqrt(difference / norm) : std::sqrt(difference);
}

}  // namespace svertka::testing
