// Gradient accumulation (LoopOptions::iter_size): the gradients of `parts` batches averaged into
// one update, layer by layer as each backward pass finalises them, so that with several ranks a
// layer's bucket can start as soon as the last part's backward has passed it.
#pragma once

#include <cstdint>
#include <vector>

#include "svertka/net.h"

namespace svertka {

class GradientAccumulator {
 public:
  // The sums live on `device`, with the parameters; nothing is kept for parts == 1 (the gradients
  // are the update's).
  GradientAccumulator(std::vector<Parameter>& params, int64_t parts, Device& device);

  // Parameter `param`'s gradient of part `part` (0-based) is final: added to the sum, which the
  // last part leaves, divided by parts, in the gradient.
  void add(int param, int64_t part);
  bool last_part(int64_t part) const { return part + 1 == parts_; }

 private:
  std::vector<Parameter>& params_;
  int64_t parts_;
  Device& device_;
  std::vector<Tensor> sums_;
};

}  // namespace svertka
