#include "solver/gradient_accumulator.h"

namespace svertka {

GradientAccumulator::GradientAccumulator(std::vector<Parameter>& params, int64_t parts,
                                         Device& device)
    : params_(params), parts_(parts), device_(device) {
  if (parts_ <= 1) return;
  for (const Parameter& p : params_) sums_.emplace_back(p.value.shape(), p.value.memory());
}

// part 0: sum = g/parts; then sum += g/parts; the last part leaves sum + g/parts in g.
void GradientAccumulator::add(int param, int64_t part) {
  if (parts_ <= 1) return;
  Tensor& sum = sums_[static_cast<size_t>(param)];
  Tensor& g = params_[static_cast<size_t>(param)].grad;
  const float share = 1.0f / float(parts_);
  if (last_part(part))
    device_.axpby(1, sum, share, g);
  else
    device_.axpby(share, g, part ? 1.0f : 0.0f, sum);
}

}  // namespace svertka
