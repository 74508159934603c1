#include <gtest/gtest.h>

#include <cmath>

#include "op_test_helpers.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"

namespace svertka::testing {
namespace {

using Kind = LrScheduleOptions::Kind;

// One set of defaults, `svertka train`'s (its options bind to these fields): a step schedule from
// 0.01, tenfold drops after a third of the run, linear poly decay to the end of the last epoch.
TEST(LrSchedule, DefaultsArePinned) {
  const LrScheduleOptions d;
  EXPECT_EQ(d.kind, Kind::kStep);
  EXPECT_EQ(d.base_lr, 0.01);
  EXPECT_EQ(d.gamma, 0.1);
  EXPECT_EQ(d.step_size, 0);
  EXPECT_EQ(d.step_epochs, 0);
  EXPECT_TRUE(d.milestones.empty());
  EXPECT_EQ(d.power, 1.0);
  EXPECT_EQ(d.max_iter, 0);
  EXPECT_EQ(d.patience, 1);
  EXPECT_EQ(d.max_drops, 3);
  EXPECT_EQ(schedule_kind_name(d.kind), "step");
}

TEST(LrSchedule, ResolutionTurnsEpochsAndDefaultsIntoIterations) {
  const LrScheduleOptions d;
  const LrScheduleOptions run = resolve_schedule(d, 10, 3);  // 3 epochs of 10 updates
  EXPECT_EQ(run.step_size, 10);                              // a third of the run
  EXPECT_EQ(run.max_iter, 30);                               // poly: the end of the last epoch
  EXPECT_EQ(resolve_schedule({.step_epochs = 2}, 10, 3).step_size, 20);
  EXPECT_EQ(resolve_schedule({.step_size = 7, .step_epochs = 2}, 10, 3).step_size, 7);
  EXPECT_EQ(resolve_schedule({.kind = Kind::kPoly, .max_iter = 50}, 10, 3).max_iter, 50);
  EXPECT_EQ(resolve_schedule(d, 1, 2).step_size, 1);  // at least one iteration
  EXPECT_DOUBLE_EQ(LrSchedule(run).lr(10), 0.001);
  SVERTKA_EXPECT_THROW_WITH(resolve_schedule({.step_epochs = -1}, 10, 3), ParamError, "-1");
  SVERTKA_EXPECT_THROW_WITH(resolve_schedule(d, 0, 3), ParamError, "no updates");
  for (const char* name :
       {"fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid", "plateau"})
    EXPECT_EQ(schedule_kind_name(parse_schedule_kind(name)), name);
}

TEST(LrSchedule, CaffePolicies) {
  LrSchedule fixed({.kind = Kind::kFixed, .base_lr = 0.1});
  EXPECT_DOUBLE_EQ(fixed.lr(12345), 0.1);
  LrSchedule step({.kind = Kind::kStep, .base_lr = 0.1, .gamma = 0.1, .step_size = 10});
  EXPECT_DOUBLE_EQ(step.lr(9), 0.1);
  EXPECT_NEAR(step.lr(10), 0.01, 1e-15);
  EXPECT_NEAR(step.lr(25), 0.001, 1e-15);
  LrSchedule multistep(
      {.kind = Kind::kMultiStep, .base_lr = 1, .gamma = 0.5, .milestones = {3, 7}});
  EXPECT_DOUBLE_EQ(multistep.lr(2), 1);
  EXPECT_DOUBLE_EQ(multistep.lr(3), 0.5);
  EXPECT_DOUBLE_EQ(multistep.lr(7), 0.25);
  LrSchedule poly({.kind = Kind::kPoly, .base_lr = 0.01, .power = 0.5, .max_iter = 100});
  EXPECT_NEAR(poly.lr(75), 0.01 * std::sqrt(0.25), 1e-15);
  EXPECT_DOUBLE_EQ(poly.lr(100), 0);
}

// Caffe's SGDSolver::GetLearningRate for exp, inv and sigmoid, step by step in double.
TEST(LrSchedule, CaffeExpInvAndSigmoidFollowCaffesFormulas) {
  LrSchedule exp({.kind = Kind::kExp, .base_lr = 0.01, .gamma = 0.999});
  LrSchedule inv({.kind = Kind::kInv, .base_lr = 0.01, .gamma = 1e-4, .power = 0.75});
  LrSchedule sigmoid({.kind = Kind::kSigmoid, .base_lr = 0.1, .gamma = -0.01, .step_size = 500});
  double exp_rate = 0.01;
  for (int64_t i = 0; i <= 3000; ++i) {
    EXPECT_NEAR(exp.lr(i), exp_rate, 1e-12 * exp_rate) << i;
    exp_rate *= 0.999;
    const double inv_rate = 0.01 / std::pow(1 + 1e-4 * double(i), 0.75);
    EXPECT_NEAR(inv.lr(i), inv_rate, 1e-15) << i;
    const double sigmoid_rate = 0.1 * (1 / (1 + std::exp(0.01 * double(i - 500))));
    EXPECT_NEAR(sigmoid.lr(i), sigmoid_rate, 1e-15) << i;
  }
  EXPECT_NEAR(inv.lr(10000), 0.01 * std::pow(2.0, -0.75), 1e-15);  // LeNet's at iteration 10000
  EXPECT_DOUBLE_EQ(sigmoid.lr(500), 0.05);                         // the midpoint
  EXPECT_EQ(resolve_schedule({.kind = Kind::kSigmoid}, 10, 4).step_size, 20) << "half the run";
}

TEST(LrSchedule, PlateauDividesByTenWhenValidationErrorStopsImproving) {
  LrSchedule plateau(
      {.kind = Kind::kPlateau, .base_lr = 0.01, .gamma = 0.1, .patience = 2, .max_drops = 2});
  EXPECT_FALSE(plateau.observe_validation_error(0.50));
  EXPECT_FALSE(plateau.observe_validation_error(0.40));  // improving
  EXPECT_FALSE(plateau.observe_validation_error(0.41));  // one bad evaluation: patience 2
  EXPECT_TRUE(plateau.observe_validation_error(0.40));   // two: drop
  EXPECT_NEAR(plateau.lr(0), 0.001, 1e-15);
  EXPECT_FALSE(plateau.observe_validation_error(0.45));
  EXPECT_TRUE(plateau.observe_validation_error(0.45));
  EXPECT_NEAR(plateau.lr(0), 0.0001, 1e-15);
  EXPECT_FALSE(plateau.observe_validation_error(0.45));  // max_drops reached
  EXPECT_FALSE(plateau.observe_validation_error(0.45));
  LrSchedule restored({.kind = Kind::kPlateau, .base_lr = 0.01});
  restored.restore(plateau.state());
  EXPECT_NEAR(restored.lr(0), 0.0001, 1e-15);
}

TEST(LrSchedule, BadOptionsAreParamErrors) {
  SVERTKA_EXPECT_THROW_WITH(parse_schedule_kind("cosine"), ParamError, "cosine", "plateau");
  SVERTKA_EXPECT_THROW_WITH(LrSchedule({.kind = Kind::kStep, .base_lr = 0.1, .step_size = 0}),
                            ParamError, "step size");
  SVERTKA_EXPECT_THROW_WITH(LrSchedule({.kind = Kind::kFixed, .base_lr = -1}), ParamError, "-1");
}

std::vector<Parameter> one_parameter(float w, float g, float lr_mult, float decay_mult) {
  Parameter p;
  p.name = "w";
  p.value = Tensor(Shape{1});
  p.grad = Tensor(Shape{1});
  p.value[0] = w;
  p.grad[0] = g;
  p.spec.lr_mult = lr_mult;
  p.spec.decay_mult = decay_mult;
  return {p};
}

TEST(Sgd, CaffeMomentumAndWeightDecay) {
  // v = m*v + lr*lr_mult*(g + wd*decay_mult*w); w -= v
  auto params = one_parameter(2.0f, 0.5f, 2.0f, 1.0f);
  SgdSolver sgd(params, {.momentum = 0.9, .weight_decay = 0.1});
  sgd.step(0.01);
  const double v1 = 0.01 * 2 * (0.5 + 0.1 * 2.0);
  EXPECT_NEAR(params[0].value[0], 2.0 - v1, 1e-7);
  const double w1 = 2.0 - v1;
  sgd.step(0.01);
  const double v2 = 0.9 * v1 + 0.01 * 2 * (0.5 + 0.1 * w1);
  EXPECT_NEAR(params[0].value[0], w1 - v2, 1e-7);
  EXPECT_NEAR(sgd.momentum()[0][0], v2, 1e-7);
}

TEST(Sgd, NesterovAndFrozenParameters) {
  auto params = one_parameter(1.0f, 1.0f, 1.0f, 0.0f);
  SgdSolver nesterov(params, {.type = SolverType::kNesterov, .momentum = 0.5, .weight_decay = 0.3});
  nesterov.step(0.1);  // v = 0.1; w -= 1.5*0.1 - 0.5*0
  EXPECT_NEAR(params[0].value[0], 1.0 - 0.15, 1e-7);
  auto frozen = one_parameter(1.0f, 1.0f, 0.0f, 1.0f);
  SgdSolver sgd(frozen, {});
  sgd.step(0.1);
  EXPECT_EQ(frozen[0].value[0], 1.0f);
}

namespace caffe_rules {

// Caffe's update rules in double, written from its solvers' ComputeUpdateValue, for one element.
struct State {
  double w, h = 0, h2 = 0;
};

void step(SolverType type, const SgdOptions& o, double rate, double g, int64_t t, State& s) {
  const double m = o.momentum, e = o.delta;
  g += o.weight_decay *
       (o.regularization == Regularization::kL1 ? double((s.w > 0) - (s.w < 0)) : s.w);
  switch (type) {
    case SolverType::kSgd:
      s.h = m * s.h + rate * g;
      s.w -= s.h;
      break;
    case SolverType::kNesterov: {
      const double previous = s.h;
      s.h = m * s.h + rate * g;
      s.w -= (1 + m) * s.h - m * previous;
      break;
    }
    case SolverType::kAdaGrad:
      s.h += g * g;
      s.w -= rate * g / (std::sqrt(s.h) + e);
      break;
    case SolverType::kRmsProp:
      s.h = o.rms_decay * s.h + (1 - o.rms_decay) * g * g;
      s.w -= rate * g / (std::sqrt(s.h) + e);
      break;
    case SolverType::kAdaDelta: {
      s.h = m * s.h + (1 - m) * g * g;
      const double u = g * std::sqrt((s.h2 + e) / (s.h + e));
      s.h2 = m * s.h2 + (1 - m) * u * u;
      s.w -= rate * u;
      break;
    }
    case SolverType::kAdam: {
      s.h = m * s.h + (1 - m) * g;
      s.h2 = o.momentum2 * s.h2 + (1 - o.momentum2) * g * g;
      const double correction =
          std::sqrt(1 - std::pow(o.momentum2, double(t))) / (1 - std::pow(m, double(t)));
      s.w -= rate * correction * s.h / (std::sqrt(s.h2) + e);
      break;
    }
  }
}

}  // namespace caffe_rules

// Each solver type over several steps with changing gradients and rates, against Caffe's rule in
// double: parameters, and every history buffer.
TEST(Sgd, EveryCaffeSolverTypeFollowsCaffesUpdateRule) {
  const std::vector<std::pair<SolverType, SgdOptions>> cases = {
      {SolverType::kSgd, {.momentum = 0.9, .weight_decay = 5e-4}},
      {SolverType::kNesterov, {.momentum = 0.95, .weight_decay = 1e-3}},
      {SolverType::kAdaGrad, {.momentum = 0, .weight_decay = 5e-4, .delta = 1e-6}},
      {SolverType::kRmsProp,
       {.momentum = 0, .weight_decay = 5e-4, .delta = 1e-6, .rms_decay = 0.98}},
      {SolverType::kAdaDelta, {.momentum = 0.95, .weight_decay = 5e-4, .delta = 1e-6}},
      {SolverType::kAdam, {.momentum = 0.9, .weight_decay = 5e-4, .momentum2 = 0.999}},
      {SolverType::kSgd,
       {.momentum = 0.9, .weight_decay = 0.01, .regularization = Regularization::kL1}},
  };
  for (auto [type, options] : cases) {
    options.type = type;
    const std::string name = solver_type_name(type);
    std::vector<Parameter> params = one_parameter(0, 0, 2.0f, 1.0f);
    params[0].value = Tensor(Shape{5});
    params[0].grad = Tensor(Shape{5});
    std::vector<caffe_rules::State> expected;
    for (int64_t i = 0; i < 5; ++i) {
      params[0].value[i] = 0.3f * float(i) - 0.6f;
      expected.push_back({.w = params[0].value[i]});
    }
    SgdSolver solver(params, options);
    ASSERT_EQ(solver.num_history_buffers(), history_buffers(type)) << name;
    for (int64_t t = 0; t < 6; ++t) {
      const double lr = 0.01 * (1 + 0.5 * double(t % 3));
      for (int64_t i = 0; i < 5; ++i) {
        const double g = std::sin(double(3 * t + i)) * (1 + double(i));
        params[0].grad[i] = float(g);
        caffe_rules::step(type, options, lr * 2.0, double(float(g)), t + 1, expected[size_t(i)]);
      }
      solver.step(lr, t);
      for (int64_t i = 0; i < 5; ++i) {
        const caffe_rules::State& e = expected[size_t(i)];
        const auto near = [](double want) { return 1e-5 * (1 + std::abs(want)); };
        EXPECT_NEAR(params[0].value[i], e.w, near(e.w)) << name << " step " << t << " elem " << i;
        EXPECT_NEAR(solver.history(0)[0][i], e.h, near(e.h)) << name << " history, step " << t;
        if (history_buffers(type) == 2) {
          EXPECT_NEAR(solver.history(1)[0][i], e.h2, near(e.h2)) << name << " history2";
        }
      }
    }
  }
}

TEST(Sgd, SolverTypesParseAndCaffesConstraintsHold) {
  for (const char* name : {"SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"})
    EXPECT_EQ(solver_type_name(parse_solver_type(name)), name);
  EXPECT_EQ(parse_solver_type("adam"), SolverType::kAdam);
  SVERTKA_EXPECT_THROW_WITH(parse_solver_type("lbfgs"), ParamError, "lbfgs", "Adam");
  auto params = one_parameter(1.0f, 1.0f, 1.0f, 1.0f);
  SVERTKA_EXPECT_THROW_WITH(SgdSolver(params, {.type = SolverType::kAdaGrad, .momentum = 0.9}),
                            ParamError, "momentum");
  SVERTKA_EXPECT_THROW_WITH(SgdSolver(params, {.momentum = 1.5}), ParamError, "momentum");
  SVERTKA_EXPECT_THROW_WITH(SgdSolver(params, {.type = SolverType::kAdaDelta, .delta = 0}),
                            ParamError, "delta");
}
}  // namespace
}  // namespace svertka::testing

namespace svertka::testing {
namespace {

// Caffe's clip_gradients: one L2 norm over every gradient; above the threshold, all of them are
// scaled by threshold / norm before the update; at or below it, nothing changes.
TEST(Sgd, ClipGradientsScalesEveryGradientByThresholdOverTheGlobalNorm) {
  auto params = one_parameter(1.0f, 3.0f, 1.0f, 1.0f);
  auto second = one_parameter(1.0f, 4.0f, 1.0f, 1.0f);
  second[0].name = "b";
  params.push_back(std::move(second[0]));  // gradients 3 and 4: norm 5
  SgdSolver sgd(params, {.momentum = 0, .weight_decay = 0, .clip_gradients = 2.5});
  sgd.step(1.0);
  EXPECT_DOUBLE_EQ(sgd.last_clip_scale(), 0.5);
  EXPECT_NEAR(params[0].value[0], 1.0 - 1.5, 1e-7);
  EXPECT_NEAR(params[1].value[0], 1.0 - 2.0, 1e-7);
  params[0].grad[0] = 0.3f;  // norm 0.5: below the threshold
  params[1].grad[0] = 0.4f;
  sgd.step(1.0);
  EXPECT_DOUBLE_EQ(sgd.last_clip_scale(), 1.0);
  EXPECT_NEAR(params[0].value[0], -0.5 - 0.3, 1e-7);
}

}  // namespace
}  // namespace svertka::testing
