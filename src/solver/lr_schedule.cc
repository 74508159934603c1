#include "svertka/solver/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "svertka/error.h"

namespace svertka {

namespace {

using Kind = LrScheduleOptions::Kind;

constexpr std::pair<Kind, std::string_view> kKindNames[] = {
    {Kind::kFixed, "fixed"},     {Kind::kStep, "step"},           {Kind::kExp, "exp"},
    {Kind::kInv, "inv"},         {Kind::kMultiStep, "multistep"}, {Kind::kPoly, "poly"},
    {Kind::kSigmoid, "sigmoid"}, {Kind::kPlateau, "plateau"},
};

}  // namespace

LrScheduleOptions::Kind parse_schedule_kind(const std::string& name) {
  for (const auto& [kind, kind_name] : kKindNames)
    if (name == kind_name) return kind;
  throw ParamError("unknown learning-rate schedule '" + name +
                   "' (expected fixed, step, exp, inv, multistep, poly, sigmoid or plateau)");
}

std::string schedule_kind_name(LrScheduleOptions::Kind kind) {
  for (const auto& [known, kind_name] : kKindNames)
    if (kind == known) return std::string(kind_name);
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
  const int64_t fraction = options.kind == Kind::kSigmoid ? 2 : 3;
  if (options.step_size == 0)
    options.step_size = std::max<int64_t>(
        1, options.step_epochs > 0 ? options.step_epochs * updates_per_epoch : run / fraction);
  if (options.max_iter == 0) options.max_iter = run;
  return options;
}

LrSchedule::LrSchedule(LrScheduleOptions options) : options_(std::move(options)) {
  if (!(options_.base_lr > 0))
    throw ParamError("learning rate must be positive, got " + std::to_string(options_.base_lr));
  if ((options_.kind == Kind::kStep || options_.kind == Kind::kSigmoid) && options_.step_size <= 0)
    throw ParamError(schedule_kind_name(options_.kind) +
                     " schedule needs a positive step size, got " +
                     std::to_string(options_.step_size));
  if (options_.kind == Kind::kPoly && options_.max_iter <= 0)
    throw ParamError("poly schedule needs a positive max_iter, got " +
                     std::to_string(options_.max_iter));
  const bool factor = options_.kind == Kind::kStep || options_.kind == Kind::kExp ||
                      options_.kind == Kind::kMultiStep || options_.kind == Kind::kPlateau;
  if ((factor && !(options_.gamma > 0)) ||
      (options_.kind == Kind::kInv && !(options_.gamma >= 0)) || !std::isfinite(options_.gamma))
    throw ParamError(schedule_kind_name(options_.kind) + " schedule: gamma " +
                     std::to_string(options_.gamma) + " is out of range (" +
                     (options_.kind == Kind::kInv ? "at least 0"
                      : factor                    ? "positive"
                                                  : "finite") +
                     ")");
}

double LrSchedule::lr(int64_t iteration) const {
  const LrScheduleOptions& o = options_;
  switch (o.kind) {
    case LrScheduleOptions::Kind::kFixed:
      return o.base_lr;
    case LrScheduleOptions::Kind::kStep:
      return o.base_lr * std::pow(o.gamma, double(iteration / o.step_size));
    case LrScheduleOptions::Kind::kExp:
      return o.base_lr * std::pow(o.gamma, double(iteration));
    case LrScheduleOptions::Kind::kInv:
      return o.base_lr * std::pow(1.0 + o.gamma * double(iteration), -o.power);
    case LrScheduleOptions::Kind::kSigmoid:
      return o.base_lr / (1.0 + std::exp(-o.gamma * double(iteration - o.step_size)));
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
