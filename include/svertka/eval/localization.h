// Localisation metrics (ILSVRC's, as in the VGG paper): a prediction is correct when its class is
// right and its box overlaps a ground-truth box of the image with IoU >= 0.5; top-5 when one of the
// five best classes is right and the box for it does. Mean IoU is over the box predicted for the
// true class (the only box with single-class regression).
#pragma once

#include <cstdint>
#include <vector>

#include "svertka/data/box.h"
#include "svertka/tensor.h"

namespace svertka {

struct LocalizationCounts {
  int64_t samples = 0, top1 = 0, top5 = 0;
  double iou_sum = 0;
  double top1_error() const { return samples ? 1.0 - double(top1) / double(samples) : 0.0; }
  double top5_error() const { return samples ? 1.0 - double(top5) / double(samples) : 0.0; }
  double mean_iou() const { return samples ? iou_sum / double(samples) : 0.0; }
  LocalizationCounts& operator+=(const LocalizationCounts& other);
};

// The box of class `label` in row `row` of boxes (N,4) (single-class) or (N,4K) (per-class), in
// [0, 1] units, scaled to pixels of a size x size crop.
Box predicted_box(const Tensor& boxes, int64_t row, int64_t label, double size);

// Over the first `count` rows: scores (N,K), boxes (N,4) or (N,4K) in [0, 1] units of the
// size x size crop, labels (N), truth[i] the ground-truth boxes of sample i in crop pixels.
// ShapeError for mismatched shapes, DataError for a label out of range or no ground truth.
LocalizationCounts count_localization(const Tensor& scores, const Tensor& boxes,
                                      const Tensor& labels,
                                      const std::vector<std::vector<Box>>& truth, int64_t count,
                                      double size);

}  // namespace svertka
