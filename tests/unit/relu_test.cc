#include "svertka/ops/relu.h"

#include <cmath>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

ReluOp relu(double negative_slope = 0) {
  ReluParams p;
  p.negative_slope = negative_slope;
  return ReluOp(p);
}

TEST(Relu, GradientCheck) {
  GradientCheckOptions options;
  options.max_points_per_tensor = 0;
  options.near_kink = [&](int, int64_t i, const std::vector<TensorD>& inputs) {
    return std::abs(inputs[0][i]) < 2 * options.step;
  };
  for (double slope : {0.0, 0.1}) {
    SCOPED_TRACE(slope);
    expect_gradients_ok(relu(slope), {random_tensor<double>(Shape{2, 3, 4, 5}, 1)}, 2, options);
    expect_gradients_ok(relu(slope), {random_tensor<double>(Shape{7}, 3)}, 4, options);
  }
}

TEST(Relu, ReferenceVsDnnlRandom) {
  uint64_t seed = 1;
  for (double slope : {0.0, 0.1}) {
    for (const Shape& x : {Shape{2, 96, 55, 55}, Shape{2, 256, 13, 13}, Shape{2, 4096},
                           Shape{3, 5, 7}, Shape{7}, Shape{2, 3, 2, 2, 3, 2}}) {
      SCOPED_TRACE(slope);
      expect_backends_agree(relu(slope), {x}, ++seed);
    }
  }
}

TEST(Relu, InPlaceEqualsOutOfPlace) {
  const Shape shape{2, 3, 5, 7};
  const Tensor x = random_tensor<float>(shape, 1), dy = random_tensor<float>(shape, 2);
  for (double slope : {0.0, 0.1}) {
    const ReluOp op = relu(slope);
    for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
      SCOPED_TRACE(std::string(backend_name(backend)) + " slope " + std::to_string(slope));
      auto kernel = KernelRegistry::instance().make(op, backend, {shape});
      Tensor y(shape), dx(shape);
      kernel->forward({{&x}, {}, {&y}});
      kernel->backward({{&x}, {}, {&y}, {&dy}, {&dx}, {}});

      Tensor data = x.clone(), grad = dy.clone();
      kernel->forward({{&data}, {}, {&data}});
      kernel->backward({{&data}, {}, {&data}, {&grad}, {&grad}, {}});
      for (int64_t i = 0; i < x.numel(); ++i) {
        ASSERT_EQ(data[i], y[i]) << "output " << i;
        ASSERT_EQ(grad[i], dx[i]) << "input grad " << i;
      }
    }
  }
}

TEST(Relu, BadParametersNameTheOpAndValues) {
  ReluOp negative = relu(-0.1);
  negative.set_name("relu1");
  SVERTKA_EXPECT_THROW_WITH(negative.output_shapes({Shape{2, 3}}), ParamError, "ReLU 'relu1'",
                            "negative_slope", "-0.1", "sign");
  SVERTKA_EXPECT_THROW_WITH(relu(NAN).output_shapes({Shape{2, 3}}), ParamError, "nan");
  SVERTKA_EXPECT_THROW_WITH(relu().output_shapes({Shape{2, 3}, Shape{2, 3}}), ShapeError, "ReLU",
                            "got 2");
}

}  // namespace
}  // namespace svertka::testing
