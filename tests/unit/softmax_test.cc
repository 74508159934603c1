#include "svertka/ops/softmax.h"

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

SoftmaxOp softmax(int axis = 1) {
  SoftmaxParams p;
  p.axis = axis;
  return SoftmaxOp(p);
}

TEST(Softmax, GradientCheck) {
  struct Case {
    int axis;
    Shape x;
  };
  const Case cases[] = {
      {1, Shape{3, 5}}, {1, Shape{2, 3, 2, 2}}, {-1, Shape{2, 3, 4}},
      {0, Shape{4}},    {0, Shape{3, 2}},
  };
  uint64_t seed = 1;
  for (const auto& c : cases) {
    SCOPED_TRACE("axis " + std::to_string(c.axis) + ", x " + c.x.str());
    expect_gradients_ok(softmax(c.axis), {random_tensor<double>(c.x, seed, -3, 3)}, seed + 100);
    ++seed;
  }
}

TEST(Softmax, ReferenceVsDnnlRandom) {
  expect_backends_agree(softmax(), {Shape{2, 1000}}, 1);  // ImageNet classifier output
  expect_backends_agree(softmax(), {Shape{2, 5, 3, 3}}, 2);
  expect_backends_agree(softmax(-1), {Shape{2, 3, 4}}, 3);
  expect_backends_agree(softmax(0), {Shape{4, 7}}, 4);

  // Large logits: exp(x) alone overflows float beyond 88, so only a max-subtracting softmax
  // stays finite; both backends must agree and the probabilities must sum to 1.
  for (double centre : {50.0, 100.0}) {
    SCOPED_TRACE(centre);
    const Shape shape{2, 1000};
    BackendCompareOptions options;
    options.fixed_inputs = {{0, random_tensor<float>(shape, 5, centre - 10, centre + 10)}};
    expect_backends_agree(softmax(), {shape}, 6, options);

    Tensor y(shape);
    auto kernel = KernelRegistry::instance().make(softmax(), Backend::kCpuRef, {shape});
    kernel->forward({{&options.fixed_inputs[0].second}, {}, {&y}});
    for (int64_t n = 0; n < 2; ++n) {
      double sum = 0;
      for (int64_t c = 0; c < 1000; ++c) sum += y[n * 1000 + c];
      EXPECT_NEAR(sum, 1.0, 1e-5) << "sample " << n;
    }
  }
}

TEST(Softmax, BadParametersNameTheOpAndValues) {
  SoftmaxOp op = softmax(2);
  op.set_name("prob");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 1000}}), ParamError, "Softmax 'prob'",
                            "axis=2", "(2,1000)", "rank 2");
  SVERTKA_EXPECT_THROW_WITH(softmax(-3).output_shapes({Shape{2, 10}}), ParamError, "axis=-3");
  SVERTKA_EXPECT_THROW_WITH(softmax().output_shapes({Shape{2, 0}}), ShapeError, "Softmax", "(2,0)");
  SVERTKA_EXPECT_THROW_WITH(softmax().output_shapes({Shape{2, 10}, Shape{2, 10}}), ShapeError,
                            "Softmax", "1 input", "got 2");
}

}  // namespace
}  // namespace svertka::testing
