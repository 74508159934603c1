#include "svertka/eval/metrics.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "svertka/error.h"

namespace svertka {

TopKCounts& TopKCounts::operator+=(const TopKCounts& other) {
  samples += other.samples, top1 += other.top1, top5 += other.top5;
  loss_sum += other.loss_sum;
  return *this;
}

TopKCounts count_top_k(const Tensor& scores, const Tensor& labels, int64_t count) {
  const int64_t classes = scores.numel() / scores.dim(0);
  if (count > scores.dim(0) || count > labels.numel())
    throw ShapeError("top-k: " + std::to_string(count) + " samples asked of scores " +
                     scores.shape().str() + " and labels " + labels.shape().str());
  TopKCounts counts;
  for (int64_t n = 0; n < count; ++n) {
    const float label_value = labels[n];
    const auto label = static_cast<int64_t>(label_value);
    if (label < 0 || label >= classes || float(label) != label_value)
      throw DataError("top-k: label " + std::to_string(label_value) + " of sample " +
                      std::to_string(n) + " is not a class index in [0, " +
                      std::to_string(classes) + ")");
    const float* row = scores.data() + n * classes;
    // NaN compares false with everything: counted, it would make every sample correct.
    for (int64_t c = 0; c < classes; ++c)
      if (!std::isfinite(row[c]))
        throw NotFiniteError("top-k: sample " + std::to_string(n) + " scores class " +
                        std::to_string(c) + " as " + std::to_string(row[c]) +
                        "; the model's outputs are not finite (NaN or Inf in its weights or "
                        "inputs, or a training that diverged)");
    int64_t higher = 0;
    for (int64_t c = 0; c < classes; ++c) higher += row[c] > row[label];
    ++counts.samples;
    counts.top1 += higher < 1;
    counts.top5 += higher < 5;
  }
  return counts;
}

}  // namespace svertka

namespace svertka {

double log_loss_sum(const Tensor& probabilities, const Tensor& labels, int64_t count) {
  const int64_t classes = probabilities.numel() / probabilities.dim(0);
  double sum = 0;
  for (int64_t n = 0; n < count; ++n) {
    const auto label = static_cast<int64_t>(labels[n]);
    if (label < 0 || label >= classes) continue;  // count_top_k reports it
    sum += -std::log(std::max(probabilities.data()[n * classes + label], FLT_MIN));
  }
  return sum;
}

}  // namespace svertka
