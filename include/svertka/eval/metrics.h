// Top-k counting over class scores, with Caffe's tie rule: a sample is correct at k when fewer than
// k classes score strictly higher than its label.
#pragma once

#include <cstdint>

#include "svertka/tensor.h"

namespace svertka {

struct TopKCounts {
  int64_t samples = 0, top1 = 0, top5 = 0;
  // Sum over the samples of -log(probability of the label) (log_loss_sum); 0 where not counted.
  double loss_sum = 0;
  double top1_error() const { return samples ? 1.0 - double(top1) / double(samples) : 0.0; }
  double loss() const { return samples ? loss_sum / double(samples) : 0.0; }
  double top5_error() const { return samples ? 1.0 - double(top5) / double(samples) : 0.0; }
  TopKCounts& operator+=(const TopKCounts& other);
};

// Counts over the first `count` rows of scores (N, C) with labels (N); DataError on a bad label or
// a score that is NaN or infinite.
TopKCounts count_top_k(const Tensor& scores, const Tensor& labels, int64_t count);

// Caffe's SoftmaxWithLoss over the first `count` rows of probabilities (N, C): the sum of
// -log(max(p[label], FLT_MIN)), each term in float as Caffe computes it, summed in double.
double log_loss_sum(const Tensor& probabilities, const Tensor& labels, int64_t count);

}  // namespace svertka
