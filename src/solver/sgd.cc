#include "svertka/solver/sgd.h"

namespace svertka {

SgdSolver::SgdSolver(std::vector<Parameter>& params, SgdOptions options)
    : params_(params), options_(options) {
  for (const Parameter& p : params_) momentum_.emplace_back(p.value.shape());
}

void SgdSolver::step(double lr) {
  for (size_t k = 0; k < params_.size(); ++k) {
    Parameter& p = params_[k];
    if (p.spec.lr_mult == 0) continue;
    const float rate = static_cast<float>(lr * p.spec.lr_mult);
    const float decay = static_cast<float>(options_.weight_decay * p.spec.decay_mult);
    const float m = static_cast<float>(options_.momentum);
    const bool nesterov = options_.nesterov;
    float* w = p.value.data();
    const float* g = p.grad.data();
    float* v = momentum_[k].data();
    const int64_t n = p.value.numel();
    // Elementwise, so the result does not depend on the thread count.
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) {
      const float previous = v[i];
      v[i] = m * previous + rate * (g[i] + decay * w[i]);
      w[i] -= nesterov ? (1 + m) * v[i] - m * previous : v[i];
    }
  }
}

}  // namespace svertka
