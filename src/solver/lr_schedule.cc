#include "svertka/solver/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "svertka/error.h"

namespace svertka {

LrScheduleOptions::Kind parse_schedule_kind(const std::string& name) {
  using Kind = LrScheduleOptions::Kind;
  if (name == "fixed") return Kind::kFixed;
  if (name == "step") return Kind::kStep;
  if (name == "multistep") return Kind::kMultiStep;
  if (name == "poly") return Kind::kPoly;
  if (name == "plateau") return Kind::kPlateau;
  throw ParamError("unknown learning-rate schedule '" + name +
                   "' (expected fixed, step, multistep, poly or plateau)");
}

std::string schedule_kind_name(LrScheduleOptions::Kind kind) {
  using Kind = LrScheduleOptions::Kind;
  switch (kind) {
    case Kind::kFixed:
      return "fixed";
    case Kind::kStep:
      return "step";
    case Kind::kMultiStep:
      return "multistep";
    case Kind::kPoly:
      return "poly";
    case Kind::kPlateau:
      return "plateau";
  }
  return "unknown";
}

LrScheduleOptions resolve_schedule(LrScheduleOptions options, int64_t updates_per_epoch,
                                   int64_t epochs) {
  if (updates_per_epoch <= 0 || epochs <= 0)
    throw ParamError("learning-rate schedule: a run of " + std::to_string(epochs) + " epochs of " +
                     std::to_string(updates_per_epoch) + " updates has no updates");
  if (options.step_epochs < 0)
    throw ParamError("step schedule: step_epochs must not be negative, got " +
                     std::to_string(options.step_epochs));
  const int64_t run = updates_per_epoch * epochs;
  if (options.step_size == 0)
    options.step_size = std::max<int64_t>(
        1, options.step_epochs > 0 ? options.step_epochs * updates_per_epoch : run / 3);
  if (options.max_iter == 0) options.max_iter = run;
  return options;
}

LrSchedule::LrSchedule(LrScheduleOptions options) : options_(std::move(options)) {
  if (!(options_.base_lr > 0))
    throw ParamError("learning rate must be positive, got " + std::to_string(options_.base_lr));
  if (options_.kind == LrScheduleOptions::Kind::kStep && options_.step_size <= 0)
    throw ParamError("step schedule needs a positive step size, got " +
                     std::to_string(options_.step_size));
  if (options_.kind == LrScheduleOptions::Kind::kPoly && options_.max_iter <= 0)
    throw ParamError("poly schedule needs a positive max_iter, got " +
                     std::to_string(options_.max_iter));
}

double LrSchedule::lr(int64_t iteration) const {
  const LrScheduleOptions& o = options_;
  switch (o.kind) {
    case LrScheduleOptions::Kind::kFixed:
      return o.base_lr;
    case LrScheduleOptions::Kind::kStep:
      return o.base_lr * std::pow(o.gamma, double(iteration / o.step_size));
    case LrScheduleOptions::Kind::kMultiStep: {
      const auto passed = std::count_if(o.milestones.begin(), o.milestones.end(),
                                        [&](int64_t m) { return iteration >= m; });
      return o.base_lr * std::pow(o.gamma, double(passed));
    }
    case LrScheduleOptions::Kind::kPoly: {
      const double progress = std::min(1.0, double(iteration) / double(o.max_iter));
      return o.base_lr * std::pow(1.0 - progress, o.power);
    }
    case LrScheduleOptions::Kind::kPlateau:
      return o.base_lr * std::pow(o.gamma, state_.drops);
  }
  return o.base_lr;
}

bool LrSchedule::observe_validation_error(double error) {
  if (options_.kind != LrScheduleOptions::Kind::kPlateau) return false;
  if (error < state_.best_error - options_.min_improvement) {
    state_.best_error = error;
    state_.bad_evaluations = 0;
    return false;
  }
  if (++state_.bad_evaluations < options_.patience || state_.drops >= options_.max_drops)
    return false;
  state_.bad_evaluations = 0;
  ++state_.drops;
  return true;
}

}  // namespace svertka
