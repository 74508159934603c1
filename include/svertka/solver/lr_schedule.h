// Learning-rate schedules: every lr_policy of Caffe's SGDSolver::GetLearningRate, with its formula
// (iteration i, base rate b):
//   fixed      b
//   step       b * gamma^floor(i / step_size)
//   exp        b * gamma^i
//   inv        b * (1 + gamma*i)^-power
//   multistep  b * gamma^(milestones passed)
//   poly       b * (1 - i/max_iter)^power          (b * 0 from max_iter on)
//   sigmoid    b / (1 + exp(-gamma * (i - step_size)))
// plus AlexNet's "divide by 10 when the validation error stops improving" (plateau). Options may be
// given in epochs or left to their defaults; resolve_schedule turns them into iterations once the
// run's length is known (the trainer does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace svertka {

// The defaults are those of `svertka train` (and so of every recipe that leaves a key out).
struct LrScheduleOptions {
  enum class Kind { kFixed, kStep, kExp, kInv, kMultiStep, kPoly, kSigmoid, kPlateau };
  Kind kind = Kind::kStep;
  double base_lr = 0.01;
  // kStep, kExp, kMultiStep, kPlateau: the factor applied; kInv: the rate of decay; kSigmoid: the
  // steepness (negative: decreasing).
  double gamma = 0.1;
  // kStep: iterations between drops; kSigmoid: the midpoint. 0: step_epochs epochs, else a third
  // of the run (kSigmoid: half).
  int64_t step_size = 0;
  int64_t step_epochs = 0;          // kStep: epochs between drops (used when step_size is 0)
  std::vector<int64_t> milestones;  // kMultiStep: iterations at which to drop
  double power = 1.0;               // kPoly, kInv: the exponent
  int64_t max_iter = 0;             // kPoly; 0: the end of the last epoch
  int patience = 1;                 // kPlateau: evaluations without improvement before a drop
  double min_improvement = 1e-4;    // kPlateau: smaller error changes do not count
  int max_drops = 3;                // kPlateau: VGG dropped 3 times
};

// Parses "fixed" | "step" | "exp" | "inv" | "multistep" | "poly" | "sigmoid" | "plateau";
// ParamError otherwise.
LrScheduleOptions::Kind parse_schedule_kind(const std::string& name);
// The name parse_schedule_kind reads.
std::string schedule_kind_name(LrScheduleOptions::Kind kind);

// The options in iterations for a run of `epochs` epochs of `updates_per_epoch` updates: the
// step_size from step_epochs or a third of the run (kSigmoid: half; at least 1) when it is 0,
// kPoly's max_iter the end of the last epoch when it is 0. Other fields are kept. ParamError for a
// negative step_epochs or a run without updates.
LrScheduleOptions resolve_schedule(LrScheduleOptions options, int64_t updates_per_epoch,
                                   int64_t epochs);

class LrSchedule {
 public:
  // `options` in iterations (resolve_schedule); ParamError for a step size or poly max_iter that is
  // not positive.
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
