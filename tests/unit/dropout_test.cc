#include "svertka/ops/dropout.h"

#include <omp.h>

#include <cmath>
#include <cstring>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

DropoutOp dropout(double ratio, uint64_t seed = 0) {
  DropoutParams p;
  p.ratio = ratio;
  p.seed = seed;
  return DropoutOp(p);
}

Tensor run_forward(Kernel& kernel, const Tensor& x, Phase phase, uint64_t step) {
  Tensor y(x.shape());
  ForwardArgs<float> args{{&x}, {}, {&y}};
  args.phase = phase;
  args.step = step;
  kernel.forward(args);
  return y;
}

TEST(Dropout, GradientCheck) {
  GradientCheckOptions options;
  options.phase = Phase::kTrain;
  options.max_points_per_tensor = 0;
  expect_gradients_ok(dropout(0.5, 3), {random_tensor<double>(Shape{2, 3, 4, 5}, 1)}, 2, options);
  expect_gradients_ok(dropout(0.3, 9), {random_tensor<double>(Shape{50}, 3)}, 4, options);
}

TEST(Dropout, TestPhaseIsIdentity) {
  const Shape shape{4, 100};
  const Tensor x = random_tensor<float>(shape, 1), dy = random_tensor<float>(shape, 2);
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    auto kernel = KernelRegistry::instance().make(dropout(0.5), backend, {shape});
    const Tensor y = run_forward(*kernel, x, Phase::kTest, 7);
    Tensor dx(shape);
    BackwardArgs<float> back{{&x}, {}, {&y}, {&dy}, {&dx}, {}};
    back.phase = Phase::kTest;
    kernel->backward(back);
    for (int64_t i = 0; i < x.numel(); ++i) {
      ASSERT_EQ(y[i], x[i]) << i;
      ASSERT_EQ(dx[i], dy[i]) << i;
    }
  }
}

TEST(Dropout, KeepsExpectedFractionAndScales) {
  const Shape shape{1000, 1000};
  const Tensor x = random_tensor<float>(shape, 1, 0.5, 1.5);  // never 0, so y = 0 means dropped
  const Tensor dy = random_tensor<float>(shape, 2, 0.5, 1.5);
  for (double ratio : {0.5, 0.2}) {
    SCOPED_TRACE(ratio);
    const float scale = static_cast<float>(1 / (1 - ratio));
    auto kernel = KernelRegistry::instance().make(dropout(ratio, 42), Backend::kCpuRef, {shape});
    const Tensor y = run_forward(*kernel, x, Phase::kTrain, 0);
    Tensor dx(shape);
    kernel->backward({{&x}, {}, {&y}, {&dy}, {&dx}, {}, Phase::kTrain, 0});
    int64_t kept = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (y[i] != 0) {
        ++kept;
        ASSERT_EQ(y[i], x[i] * scale) << i;
        ASSERT_EQ(dx[i], dy[i] * scale) << i;
      } else {
        ASSERT_EQ(dx[i], 0.0f) << i;
      }
    }
    EXPECT_NEAR(double(kept) / double(x.numel()), 1 - ratio, 0.005);
  }
}

TEST(Dropout, SameSeedAndStepSameMaskAnyThreadCount) {
  const Shape shape{1000, 1001};
  const Tensor x = random_tensor<float>(shape, 1, 0.5, 1.5);
  const DropoutOp op = dropout(0.5, 123);
  auto kernel = KernelRegistry::instance().make(op, Backend::kCpuRef, {shape});
  const int saved_threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Tensor one_thread = run_forward(*kernel, x, Phase::kTrain, 5);
  omp_set_num_threads(2);
  const Tensor two_threads = run_forward(*kernel, x, Phase::kTrain, 5);
  auto fresh_kernel = KernelRegistry::instance().make(op, Backend::kCpuRef, {shape});
  const Tensor fresh = run_forward(*fresh_kernel, x, Phase::kTrain, 5);
  const Tensor next_step = run_forward(*kernel, x, Phase::kTrain, 6);
  auto other_seed_kernel =
      KernelRegistry::instance().make(dropout(0.5, 124), Backend::kCpuRef, {shape});
  const Tensor other_seed = run_forward(*other_seed_kernel, x, Phase::kTrain, 5);
  omp_set_num_threads(saved_threads);

  ASSERT_EQ(std::memcmp(one_thread.data(), two_threads.data(), x.bytes()), 0);
  ASSERT_EQ(std::memcmp(one_thread.data(), fresh.data(), x.bytes()), 0);
  // Independent masks agree on about half the elements.
  int64_t same_step = 0, same_seed = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    same_step += (next_step[i] != 0) == (one_thread[i] != 0);
    same_seed += (other_seed[i] != 0) == (one_thread[i] != 0);
  }
  EXPECT_NEAR(double(same_step) / double(x.numel()), 0.5, 0.01);
  EXPECT_NEAR(double(same_seed) / double(x.numel()), 0.5, 0.01);
}

TEST(Dropout, InPlaceEqualsOutOfPlace) {
  const Shape shape{2, 3, 5, 7};
  const Tensor x = random_tensor<float>(shape, 1), dy = random_tensor<float>(shape, 2);
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    auto kernel = KernelRegistry::instance().make(dropout(0.4, 8), backend, {shape});
    const Tensor y = run_forward(*kernel, x, Phase::kTrain, 3);
    Tensor dx(shape);
    kernel->backward({{&x}, {}, {&y}, {&dy}, {&dx}, {}, Phase::kTrain, 3});

    Tensor data = x.clone(), grad = dy.clone();
    kernel->forward({{&data}, {}, {&data}, Phase::kTrain, 3});
    kernel->backward({{&data}, {}, {&data}, {&grad}, {&grad}, {}, Phase::kTrain, 3});
    for (int64_t i = 0; i < x.numel(); ++i) {
      ASSERT_EQ(data[i], y[i]) << "output " << i;
      ASSERT_EQ(grad[i], dx[i]) << "input grad " << i;
    }
  }
}

TEST(Dropout, BadParametersNameTheOpAndValues) {
  DropoutOp all = dropout(1.0);
  all.set_name("drop6");
  SVERTKA_EXPECT_THROW_WITH(all.output_shapes({Shape{2, 4096}}), ParamError, "Dropout 'drop6'",
                            "ratio", "[0, 1)", "got 1");
  SVERTKA_EXPECT_THROW_WITH(dropout(-0.1).output_shapes({Shape{2, 3}}), ParamError, "Dropout",
                            "-0.1");
  SVERTKA_EXPECT_THROW_WITH(dropout(NAN).output_shapes({Shape{2, 3}}), ParamError, "nan");
  SVERTKA_EXPECT_THROW_WITH(dropout(0.5).output_shapes({}), ShapeError, "Dropout", "got 0");
}

}  // namespace
}  // namespace svertka::testing
