// Reference (and only) dropout kernel; oneDNN has no dropout primitive.
//
// Element i of step s is kept when u(seed, s, i) >= ratio, u uniform in [0, 1) from a counter-based
// hash (SplitMix64), so any thread may draw any element. The forward pass stores the mask (one byte
// per element, allocated on the first TRAIN forward) and backward applies it.
#pragma once

#include <cstdint>
#include <vector>

#include "svertka/ops/dropout.h"

namespace svertka::cpu_ref {

template <class T>
class Dropout final : public BasicKernel<T> {
 public:
  Dropout(const DropoutOp& op, const std::vector<Shape>& inputs);

  // inputs {x}, outputs {y}; y may alias x. TEST phase copies.
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {dy} -> input_grads {dx?}; dx may alias dy. Applies the mask of the last forward,
  // or passes dy through if that forward ran in TEST phase.
  void backward(const BackwardArgs<T>& args) override;

 private:
  double ratio_;
  uint64_t seed_;
  T scale_;  // 1 / (1 - ratio)
  int64_t count_;
  std::vector<uint8_t> keep_;  // 1 = kept, per element, from the last TRAIN forward
  bool last_forward_trained_ = false;
};

}  // namespace svertka::cpu_ref
