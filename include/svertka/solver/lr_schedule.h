// Learning-rate schedules, as Caffe's lr_policy, plus AlexNet's "divide by 10 when the validation
// error stops improving".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace svertka {

struct LrScheduleOptions {
  enum class Kind { kFixed, kStep, kMultiStep, kPoly, kPlateau };
  Kind kind = Kind::kFixed;
  double base_lr = 0.01;
  double gamma = 0.1;               // kStep, kMultiStep, kPlateau: the factor applied
  int64_t step_size = 100000;       // kStep: iterations between drops
  std::vector<int64_t> milestones;  // kMultiStep: iterations at which to drop
  double power = 0.5;               // kPoly: lr = base * (1 - iter/max_iter)^power
  int64_t max_iter = 1;             // kPoly
  int patience = 1;                 // kPlateau: evaluations without improvement before a drop
  double min_improvement = 1e-4;    // kPlateau: smaller error changes do not count
  int max_drops = 3;                // kPlateau: VGG dropped 3 times
};

// Parses "fixed" | "step" | "multistep" | "poly" | "plateau"; ParamError otherwise.
LrScheduleOptions::Kind parse_schedule_kind(const std::string& name);

class LrSchedule {
 public:
  explicit LrSchedule(LrScheduleOptions options);

  double lr(int64_t iteration) const;
  // kPlateau: report a validation error after an evaluation; returns true if the rate dropped.
  bool observe_validation_error(double error);

  // State for checkpoints (plateau bookkeeping).
  struct State {
    double best_error = 1e30;
    int bad_evaluations = 0;
    int drops = 0;
  };
  const State& state() const { return state_; }
  void restore(const State& state) { state_ = state; }
  const LrScheduleOptions& options() const { return options_; }

 private:
  LrScheduleOptions options_;
  State state_;
};

}  // namespace svertka
