#include "svertka/solver/sgd.h"

#include "svertka/error.h"

namespace svertka {

void sgd_update_on_host(const SgdUpdate& update, Tensor& value, const Tensor& grad,
                        Tensor& momentum) {
  const float rate = update.rate, decay = update.decay, m = update.momentum;
  const bool nesterov = update.nesterov;
  float* w = value.data();
  const float* g = grad.data();
  float* v = momentum.data();
  const int64_t n = value.numel();
  // Elementwise, so the result does not depend on the thread count.
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float previous = v[i];
    v[i] = m * previous + rate * (g[i] + decay * w[i]);
    w[i] -= nesterov ? (1 + m) * v[i] - m * previous : v[i];
  }
}

SgdSolver::SgdSolver(std::vector<Parameter>& params, SgdOptions options, Device& device)
    : params_(params), options_(options), device_(device) {
  for (const Parameter& p : params_) {
    if (p.value.memory() != device.memory())
      throw ParamError(
          "the solver runs on " + device.describe() + ", and parameter '" + p.name + "' lives in " +
          (p.value.on_host() ? std::string("host") : std::string(p.value.memory()->name())) +
          " memory");
    momentum_.emplace_back(p.value.shape(), p.value.memory());
  }
}

void SgdSolver::step(double lr) {
  for (size_t k = 0; k < params_.size(); ++k) {
    Parameter& p = params_[k];
    if (p.spec.lr_mult == 0) continue;
    const SgdUpdate update{.rate = static_cast<float>(lr * p.spec.lr_mult),
                           .decay = static_cast<float>(options_.weight_decay * p.spec.decay_mult),
                           .momentum = static_cast<float>(options_.momentum),
                           .nesterov = options_.nesterov};
    device_.sgd_update(update, p.value, p.grad, momentum_[k]);
  }
}

}  // namespace svertka
