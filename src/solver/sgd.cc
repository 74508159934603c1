#include "svertka/solver/sgd.h"

#include <cctype>
#include <cmath>
#include <string_view>
#include <utility>

#include "svertka/error.h"

namespace svertka {

namespace {

constexpr std::pair<SolverType, std::string_view> kTypeNames[] = {
    {SolverType::kSgd, "SGD"},           {SolverType::kNesterov, "Nesterov"},
    {SolverType::kAdaGrad, "AdaGrad"},   {SolverType::kRmsProp, "RMSProp"},
    {SolverType::kAdaDelta, "AdaDelta"}, {SolverType::kAdam, "Adam"},
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

SolverType parse_solver_type(const std::string& name) {
  for (const auto& [type, type_name] : kTypeNames)
    if (lower(name) == lower(type_name)) return type;
  throw ParamError("unknown solver type '" + name +
                   "' (expected SGD, Nesterov, AdaGrad, RMSProp, AdaDelta or Adam)");
}

std::string solver_type_name(SolverType type) {
  for (const auto& [known, type_name] : kTypeNames)
    if (type == known) return std::string(type_name);
  return "unknown";
}

int history_buffers(SolverType type) {
  return type == SolverType::kAdaDelta || type == SolverType::kAdam ? 2 : 1;
}

// The loop over one tensor with `rule(i, g)` applied to each element's regularised gradient g, the
// rule chosen outside the loop. Elementwise, so the result does not depend on the thread count.
template <class Rule>
void for_each_element(const SgdUpdate& u, float* w, const float* gradient, int64_t n,
                      const Rule& rule) {
  const float decay = u.decay;
  if (u.l1) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) rule(i, gradient[i] + decay * float((w[i] > 0) - (w[i] < 0)));
  } else {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) rule(i, gradient[i] + decay * w[i]);
  }
}

void sgd_update_on_host(const SgdUpdate& u, Tensor& value, const Tensor& grad, Tensor& history,
                        Tensor& history2) {
  const float rate = u.rate, m = u.momentum, e = u.delta, q = u.rms_decay, b2 = u.momentum2;
  float* w = value.data();
  const float* g = grad.data();
  float* h = history.data();
  float* h2 = history_buffers(u.type) == 2 ? history2.data() : nullptr;
  const int64_t n = value.numel();
  switch (u.type) {
    case SolverType::kSgd:
      return for_each_element(u, w, g, n, [&](int64_t i, float gi) {
        h[i] = m * h[i] + rate * gi;
        w[i] -= h[i];
      });
    case SolverType::kNesterov:
      return for_each_element(u, w, g, n, [&](int64_t i, float gi) {
        const float previous = h[i];
        h[i] = m * previous + rate * gi;
        w[i] -= (1 + m) * h[i] - m * previous;
      });
    case SolverType::kAdaGrad:
      return for_each_element(u, w, g, n, [&](int64_t i, float gi) {
        h[i] += gi * gi;
        w[i] -= rate * (gi / (std::sqrt(h[i]) + e));
      });
    case SolverType::kRmsProp:
      return for_each_element(u, w, g, n, [&](int64_t i, float gi) {
        h[i] = q * h[i] + (1 - q) * gi * gi;
        w[i] -= rate * (gi / (std::sqrt(h[i]) + e));
      });
    case SolverType::kAdaDelta:
      return for_each_element(u, w, g, n, [&](int64_t i, float gi) {
        h[i] = m * h[i] + (1 - m) * gi * gi;
        const float step = gi * std::sqrt((h2[i] + e) / (h[i] + e));
        h2[i] = m * h2[i] + (1 - m) * step * step;
        w[i] -= rate * step;
      });
    case SolverType::kAdam: {
      // Adam's bias correction, as Caffe computes it.
      const float correction = float(std::sqrt(1 - std::pow(double(b2), double(u.t))) /
                                     (1 - std::pow(double(m), double(u.t))));
      return for_each_element(u, w, g, n, [&](int64_t i, float gi) {
        h[i] = m * h[i] + (1 - m) * gi;
        h2[i] = b2 * h2[i] + (1 - b2) * gi * gi;
        w[i] -= rate * correction * (h[i] / (std::sqrt(h2[i]) + e));
      });
    }
  }
}

namespace {

void check_options(const SgdOptions& o) {
  const auto in_unit = [](double x) { return x >= 0 && x < 1; };
  if (!in_unit(o.momentum))
    throw ParamError("solver: momentum must be in [0, 1), got " + std::to_string(o.momentum));
  if (!(o.weight_decay >= 0))
    throw ParamError("solver: weight_decay must not be negative, got " +
                     std::to_string(o.weight_decay));
  if (!(o.delta >= 0)) throw ParamError("solver: delta must not be negative");
  if (!in_unit(o.momentum2) || !in_unit(o.rms_decay))
    throw ParamError("solver: momentum2 and rms_decay must be in [0, 1)");
  // Caffe's checks: AdaGrad and RMSProp take no momentum.
  if ((o.type == SolverType::kAdaGrad || o.type == SolverType::kRmsProp) && o.momentum != 0)
    throw ParamError("solver " + solver_type_name(o.type) +
                     " takes no momentum (set momentum 0, as Caffe requires)");
  if (o.type == SolverType::kAdaDelta && o.delta == 0)
    throw ParamError("solver AdaDelta needs a positive delta");
}

}  // namespace

SgdSolver::SgdSolver(std::vector<Parameter>& params, SgdOptions options, Device& device)
    : params_(params),
      options_(options),
      history_(static_cast<size_t>(history_buffers(options.type))),
      device_(device) {
  check_options(options_);
  if (options_.clip_gradients > 0 && device.memory() != nullptr)
    throw ParamError("clip_gradients needs the parameters in host memory; " + device.describe() +
                     " keeps its own");
  for (const Parameter& p : params_) {
    if (p.value.memory() != device.memory())
      throw ParamError(
          "the solver runs on " + device.describe() + ", and parameter '" + p.name + "' lives in " +
          (p.value.on_host() ? std::string("host") : std::string(p.value.memory()->name())) +
          " memory");
    for (std::vector<Tensor>& buffer : history_)
      buffer.emplace_back(p.value.shape(), p.value.memory());
  }
}

// Caffe's SGDSolver::ClipGradients: one L2 norm over every parameter's gradient.
void SgdSolver::clip_gradients() {
  last_clip_scale_ = 1;
  if (options_.clip_gradients <= 0) return;
  double sum_squares = 0;
  for (const Parameter& p : params_) {
    const float* g = p.grad.data();
    for (int64_t i = 0; i < p.grad.numel(); ++i) sum_squares += double(g[i]) * double(g[i]);
  }
  const double norm = std::sqrt(sum_squares);
  if (norm <= options_.clip_gradients) return;
  last_clip_scale_ = options_.clip_gradients / norm;
  for (Parameter& p : params_) device_.axpby(float(last_clip_scale_), p.grad, 0.f, p.grad);
}

void SgdSolver::step(double lr, int64_t iteration) {
  clip_gradients();
  Tensor none;
  for (size_t k = 0; k < params_.size(); ++k) {
    Parameter& p = params_[k];
    if (p.spec.lr_mult == 0) continue;
    const SgdUpdate update{.type = options_.type,
                           .rate = static_cast<float>(lr * p.spec.lr_mult),
                           .decay = static_cast<float>(options_.weight_decay * p.spec.decay_mult),
                           .l1 = options_.regularization == Regularization::kL1,
                           .momentum = static_cast<float>(options_.momentum),
                           .delta = static_cast<float>(options_.delta),
                           .momentum2 = static_cast<float>(options_.momentum2),
                           .rms_decay = static_cast<float>(options_.rms_decay),
                           .t = iteration + 1};
    device_.sgd_update(update, p.value, p.grad, history_[0][k],
                       history_.size() > 1 ? history_[1][k] : none);
  }
}

}  // namespace svertka
