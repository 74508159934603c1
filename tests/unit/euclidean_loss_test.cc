#include "svertka/ops/euclidean_loss.h"

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

TEST(EuclideanLoss, GradientCheck) {
  const EuclideanLossOp op;
  expect_gradients_ok(
      op, {random_tensor<double>(Shape{3, 4}, 1), random_tensor<double>(Shape{3, 4}, 2)}, 3);
  // Shapes differing only in trailing singletons, as an FC output against a (N,D,1,1) target.
  expect_gradients_ok(
      op, {random_tensor<double>(Shape{2, 3}, 4), random_tensor<double>(Shape{2, 3, 1, 1}, 5)}, 6);
}

TEST(EuclideanLoss, HandComputedCase) {
  // a - b = (1, 2; 2, 3): loss = (1 + 4 + 4 + 9) / (2 * 2) = 4.5.
  Tensor a(Shape{2, 2}), b(Shape{2, 2}), loss(Shape{1}), weight(Shape{1});
  const float a_values[] = {1, 2, 3, 4}, b_values[] = {0, 0, 1, 1};
  for (int i = 0; i < 4; ++i) a[i] = a_values[i], b[i] = b_values[i];
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    auto kernel =
        KernelRegistry::instance().make(EuclideanLossOp(), backend, {a.shape(), b.shape()});
    kernel->forward({{&a, &b}, {}, {&loss}});
    EXPECT_FLOAT_EQ(loss[0], 4.5f) << backend_name(backend);
    // Loss weight 2: da = 2 * (a - b) / 2 = a - b, db = -da.
    Tensor da(a.shape()), db(b.shape());
    weight[0] = 2;
    kernel->backward({{&a, &b}, {}, {&loss}, {&weight}, {&da, &db}, {}});
    for (int i = 0; i < 4; ++i) {
      EXPECT_FLOAT_EQ(da[i], a_values[i] - b_values[i]) << i;
      EXPECT_FLOAT_EQ(db[i], b_values[i] - a_values[i]) << i;
    }
    // A gradient nobody asked for is skipped.
    Tensor da_only(a.shape());
    kernel->backward({{&a, &b}, {}, {&loss}, {&weight}, {&da_only, nullptr}, {}});
    EXPECT_FLOAT_EQ(da_only[3], 3.0f);
  }
}

TEST(EuclideanLoss, MismatchedShapesNameTheOpAndValues) {
  EuclideanLossOp op;
  op.set_name("fc8_loss");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 3}, Shape{2, 4}}), ShapeError,
                            "EuclideanLoss 'fc8_loss'", "(2,3)", "(2,4)");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 3}, Shape{3, 2}}), ShapeError, "(2,3)",
                            "(3,2)", "dim 0");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 3}}), ShapeError, "EuclideanLoss", "2 input",
                            "got 1");
}

}  // namespace
}  // namespace svertka::testing
