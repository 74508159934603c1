#include "svertka/ops/accuracy.h"

#include <cmath>
#include <limits>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

AccuracyOp accuracy(int64_t top_k = 1, std::optional<int64_t> ignore_label = std::nullopt) {
  AccuracyParams p;
  p.top_k = top_k;
  p.ignore_label = ignore_label;
  return AccuracyOp(p);
}

Tensor tensor(const Shape& shape, const std::vector<float>& values) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = values.at(static_cast<size_t>(i));
  return t;
}

float run(const AccuracyOp& op, const Tensor& scores, const Tensor& labels,
          Backend backend = Backend::kCpuRef) {
  auto kernel = KernelRegistry::instance().make(op, backend, {scores.shape(), labels.shape()});
  Tensor y(Shape{1});
  kernel->forward({{&scores, &labels}, {}, {&y}});
  return y[0];
}

TEST(Accuracy, TopKWithCaffeTieRule) {
  const std::vector<float> rows = {
      0.1f, 0.9f, 0.5f, 0.3f,  // label 1 is the maximum
      0.5f, 0.5f, 0.2f, 0.1f,  // label 1 ties the maximum
      0.7f, 0.6f, 0.8f, 0.1f,  // label 1 is third
      0.4f, 0.4f, 0.4f, 0.4f,  // all tied
      0.2f, 0.9f, 0.1f, 0.3f,  // label 3 is second
  };
  const Tensor scores = tensor(Shape{5, 4}, rows);
  const Tensor labels = tensor(Shape{5}, {1, 1, 1, 3, 3});
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    SCOPED_TRACE(backend_name(backend));
    // A tie counts as correct: no class scores strictly higher than the label.
    EXPECT_FLOAT_EQ(run(accuracy(1), scores, labels, backend), 3.0f / 5);
    EXPECT_FLOAT_EQ(run(accuracy(2), scores, labels, backend), 4.0f / 5);
    EXPECT_FLOAT_EQ(run(accuracy(3), scores, labels, backend), 1.0f);
    EXPECT_FLOAT_EQ(run(accuracy(4), scores, labels, backend), 1.0f);
  }
  // (N,C,1,1) scores, e.g. from a convolutional classifier, read as (N,C).
  EXPECT_FLOAT_EQ(run(accuracy(1), scores.reshaped(Shape{5, 4, 1, 1}), labels), 3.0f / 5);
}

TEST(Accuracy, ANonFiniteScoreIsAnErrorNotACorrectAnswer) {
  const Tensor labels = tensor(Shape{2}, {0, 1});
  for (float bad : {std::nanf(""), std::numeric_limits<float>::infinity()}) {
    // NaN compares false, so "no class scores higher than the label" would hold for every row.
    const Tensor scores = tensor(Shape{2, 3}, {0.9f, 0.1f, 0.0f, 0.2f, 0.3f, bad});
    for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
      SCOPED_TRACE(backend_name(backend));
      SVERTKA_EXPECT_THROW_WITH(run(accuracy(1), scores, labels, backend), DataError, "Accuracy",
                                "sample 1 scores class 2 as", "not finite");
    }
  }
  // A sample left out by ignore_label is not looked at.
  const Tensor scores = tensor(Shape{2, 3}, {0.9f, 0.1f, 0.0f, 0.2f, 0.3f, std::nanf("")});
  EXPECT_FLOAT_EQ(run(accuracy(1, 1), scores, labels), 1.0f);
}

TEST(Accuracy, IgnoreLabel) {
  const std::vector<float> rows = {
      0.9f, 0.1f, 0.0f,  // label 0: correct
      0.9f, 0.1f, 0.0f,  // ignored
      0.1f, 0.9f, 0.0f,  // label 2: wrong
      0.1f, 0.2f, 0.9f,  // label 2: correct
  };
  const Tensor scores = tensor(Shape{4, 3}, rows);
  EXPECT_FLOAT_EQ(run(accuracy(1, -1), scores, tensor(Shape{4}, {0, -1, 2, 2})), 2.0f / 3);
  EXPECT_FLOAT_EQ(run(accuracy(1, 255), scores, tensor(Shape{4}, {255, 255, 255, 2})), 1.0f);
  // With every sample ignored there is nothing to count: 0, as Caffe.
  EXPECT_FLOAT_EQ(run(accuracy(1, 7), scores, tensor(Shape{4}, {7, 7, 7, 7})), 0.0f);
}

TEST(Accuracy, BadParametersNameTheOpAndValues) {
  AccuracyOp op = accuracy(0);
  op.set_name("top5");
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 10}, Shape{2}}), ParamError,
                            "Accuracy 'top5'", "top_k=0", "C=10");
  SVERTKA_EXPECT_THROW_WITH(accuracy(11).output_shapes({Shape{2, 10}, Shape{2}}), ParamError,
                            "Accuracy", "top_k=11", "C=10");
  SVERTKA_EXPECT_THROW_WITH(accuracy().output_shapes({Shape{2, 10}, Shape{3}}), ShapeError,
                            "Accuracy", "labels (3)", "(2,10)");
  SVERTKA_EXPECT_THROW_WITH(accuracy().output_shapes({Shape{2, 10, 3, 3}, Shape{2}}), ShapeError,
                            "Accuracy", "(2,10,3,3)");

  AccuracyOp named = accuracy(1);
  named.set_name("top1");
  const Tensor scores = random_tensor<float>(Shape{3, 10}, 1);
  SVERTKA_EXPECT_THROW_WITH(run(named, scores, tensor(Shape{3}, {0, 10, 1})), DataError,
                            "Accuracy 'top1'", "label 10", "sample 1", "[0, 10)");
  SVERTKA_EXPECT_THROW_WITH(run(named, scores, tensor(Shape{3}, {0, 1, -1})), DataError, "label -1",
                            "sample 2");

  EXPECT_FALSE(named.has_backward());
  auto kernel =
      KernelRegistry::instance().make(named, Backend::kCpuRef, {scores.shape(), Shape{3}});
  SVERTKA_EXPECT_THROW_WITH(kernel->backward({}), Error, "Accuracy 'top1'", "no backward");
}

}  // namespace
}  // namespace svertka::testing
