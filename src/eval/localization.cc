#include "svertka/eval/localization.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "svertka/error.h"

namespace svertka {

LocalizationCounts& LocalizationCounts::operator+=(const LocalizationCounts& other) {
  samples += other.samples, top1 += other.top1, top5 += other.top5, iou_sum += other.iou_sum;
  return *this;
}

Box predicted_box(const Tensor& boxes, int64_t row, int64_t label, double size) {
  const int64_t width = boxes.numel() / boxes.dim(0);
  const float* p = boxes.data() + row * width + (width == 4 ? 0 : 4 * label);
  return from_unit(Box{p[0], p[1], p[2], p[3]}, size);
}

LocalizationCounts count_localization(const Tensor& scores, const Tensor& boxes,
                                      const Tensor& labels,
                                      const std::vector<std::vector<Box>>& truth, int64_t count,
                                      double size) {
  const int64_t n = scores.dim(0), k = scores.numel() / std::max<int64_t>(1, n);
  const int64_t width = boxes.numel() / std::max<int64_t>(1, boxes.dim(0));
  if (boxes.dim(0) != n || labels.numel() != n || (width != 4 && width != 4 * k) || count > n ||
      int64_t(truth.size()) < count)
    throw ShapeError("localisation metrics: scores " + scores.shape().str() + ", boxes " +
                     boxes.shape().str() + ", labels " + labels.shape().str() + ", " +
                     std::to_string(truth.size()) + " ground truths for " +
                     std::to_string(count) + " samples");
  LocalizationCounts c;
  std::vector<int64_t> order(static_cast<size_t>(k));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t label = int64_t(labels[i]);
    if (label < 0 || label >= k)
      throw DataError("localisation metrics: label " + std::to_string(label) +
                      " is out of range for " + std::to_string(k) + " classes");
    if (truth[size_t(i)].empty())
      throw DataError("localisation metrics: sample " + std::to_string(i) + " has no box");
    auto best_iou = [&](int64_t cls) {
      const Box p = predicted_box(boxes, i, cls, size);
      double best = 0;
      for (const Box& t : truth[size_t(i)]) best = std::max(best, iou(p, t));
      return best;
    };
    const float* s = scores.data() + i * k;
    // NaN breaks the sort's ordering and would count as correct; Inf is no score either.
    for (int64_t cls = 0; cls < k; ++cls)
      if (!std::isfinite(s[cls]))
        throw NotFiniteError("localisation metrics: sample " + std::to_string(i) + " scores class " +
                        std::to_string(cls) + " as " + std::to_string(s[cls]) +
                        "; the model's outputs are not finite");
    std::iota(order.begin(), order.end(), 0);
    const size_t top = size_t(std::min<int64_t>(5, k));
    std::partial_sort(order.begin(), order.begin() + long(top), order.end(),
                      [&](int64_t a, int64_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
    const double true_iou = best_iou(label);
    c.iou_sum += true_iou;
    if (order[0] == label && true_iou >= 0.5) ++c.top1;
    if (std::find(order.begin(), order.begin() + long(top), label) != order.begin() + long(top) &&
        true_iou >= 0.5)
      ++c.top5;
    ++c.samples;
  }
  return c;
}

}  // namespace svertka
