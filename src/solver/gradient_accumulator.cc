#include "solver/gradient_accumulator.h"

#include <string>

#include "svertka/error.h"

namespace svertka {

GradientAccumulator::GradientAccumulator(std::vector<Parameter>& params, int64_t parts)
    : params_(params), parts_(parts) {
  if (parts_ <= 1) return;
  for (const Parameter& p : params_) {
    if (!p.value.on_host())
      throw ParamError("iter_size " + std::to_string(parts_) +
                       ": accumulating gradients over "
                       "batches runs on host memory only, and parameter '" +
                       p.name + "' is in " + std::string(p.value.memory()->name()) + " memory");
    sums_.emplace_back(p.value.shape());
  }
}

void GradientAccumulator::add(int param, int64_t part) {
  if (parts_ <= 1) return;
  Tensor& sum = sums_[static_cast<size_t>(param)];
  Tensor& g = params_[static_cast<size_t>(param)].grad;
  Tensor& out = last_part(part) ? g : sum;
  for (int64_t i = 0; i < sum.numel(); ++i) out[i] = (part ? sum[i] : 0.0f) + g[i] / float(parts_);
}

}  // namespace svertka
