#include "svertka/ops/softmax_loss.h"

#include <cmath>
#include <limits>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

constexpr int64_t kIgnore = 255;

SoftmaxLossOp softmax_loss(std::optional<int64_t> ignore_label = std::nullopt) {
  SoftmaxLossParams p;
  p.ignore_label = ignore_label;
  return SoftmaxLossOp(p);
}

template <class T>
BasicTensor<T> labels(const Shape& shape, const std::vector<double>& values) {
  BasicTensor<T> t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<T>(values.at(static_cast<size_t>(i)));
  return t;
}

struct Result {
  float loss;
  Tensor dscores;
};

// Forward, then backward with output gradient `loss_weight`, on `backend`.
Result run(const SoftmaxLossOp& op, const Tensor& scores, const Tensor& label_values,
           float loss_weight = 1, Backend backend = Backend::kCpuRef) {
  auto kernel =
      KernelRegistry::instance().make(op, backend, {scores.shape(), label_values.shape()});
  Tensor loss(Shape{1}), weight(Shape{1});
  weight[0] = loss_weight;
  Result r{0, Tensor(scores.shape())};
  kernel->forward({{&scores, &label_values}, {}, {&loss}});
  kernel->backward({{&scores, &label_values}, {}, {&loss}, {&weight}, {&r.dscores, nullptr}, {}});
  r.loss = loss[0];
  return r;
}

// -log softmax(row)[label], in double.
double row_loss(const Tensor& scores, int64_t n, int64_t classes, int64_t label) {
  double max = scores[n * classes];
  for (int64_t c = 1; c < classes; ++c) max = std::max<double>(max, scores[n * classes + c]);
  double sum = 0;
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(scores[n * classes + c] - max);
  return std::log(sum) - (scores[n * classes + label] - max);
}

TEST(SoftmaxWithLoss, GradientCheck) {
  expect_gradients_ok(
      softmax_loss(),
      {random_tensor<double>(Shape{4, 5}, 1, -2, 2), labels<double>(Shape{4}, {0, 3, 4, 1})}, 2);
  // Per-pixel labels (N,1,H,W) against scores (N,C,H,W).
  expect_gradients_ok(softmax_loss(),
                      {random_tensor<double>(Shape{2, 3, 2, 2}, 3, -2, 2),
                       labels<double>(Shape{2, 1, 2, 2}, {0, 1, 2, 2, 1, 0, 0, 2})},
                      4);
  // Ignored positions: no loss, no gradient, and a smaller denominator.
  expect_gradients_ok(softmax_loss(kIgnore),
                      {random_tensor<double>(Shape{5, 4}, 5, -2, 2),
                       labels<double>(Shape{5}, {1, kIgnore, 3, kIgnore, 0})},
                      6);
  expect_gradients_ok(softmax_loss(kIgnore),
                      {random_tensor<double>(Shape{2, 3, 3}, 7, -2, 2),
                       labels<double>(Shape{2, 3}, {2, kIgnore, 0, 1, 1, kIgnore})},
                      8);
}

TEST(SoftmaxWithLoss, HandComputedCase) {
  // Uniform scores: p = 1/C for every class, so the loss is log(C) whatever the labels.
  Tensor uniform(Shape{3, 7});
  uniform.fill(2.5f);
  for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    const Result r = run(softmax_loss(), uniform, labels<float>(Shape{3}, {0, 6, 3}), 1, backend);
    EXPECT_NEAR(r.loss, std::log(7.0), 1e-6) << backend_name(backend);
  }
  // Scores (0, log 3): p = (1/4, 3/4). Label 1: loss -log(3/4); with loss weight 2 the gradient
  // is 2 * (p - onehot) / 1 = (0.5, -0.5).
  Tensor scores(Shape{1, 2});
  scores[0] = 0, scores[1] = static_cast<float>(std::log(3.0));
  const Result r = run(softmax_loss(), scores, labels<float>(Shape{1}, {1}), 2);
  EXPECT_NEAR(r.loss, -std::log(0.75), 1e-6);
  EXPECT_NEAR(r.dscores[0], 0.5, 1e-6);
  EXPECT_NEAR(r.dscores[1], -0.5, 1e-6);
  // A probability that underflows is clamped to FLT_MIN: the loss is -log(FLT_MIN), not inf.
  scores[0] = 0, scores[1] = 200;
  EXPECT_NEAR(run(softmax_loss(), scores, labels<float>(Shape{1}, {0})).loss,
              -std::log(double(std::numeric_limits<float>::min())), 1e-4);
}

TEST(SoftmaxWithLoss, IgnoreLabelExcludedFromMean) {
  const Tensor scores = random_tensor<float>(Shape{3, 4}, 1, -2, 2);
  const Result r = run(softmax_loss(kIgnore), scores, labels<float>(Shape{3}, {1, kIgnore, 2}), 3);
  EXPECT_NEAR(r.loss, (row_loss(scores, 0, 4, 1) + row_loss(scores, 2, 4, 2)) / 2, 1e-6);
  // Each counted row's gradient is 3 * (p - onehot) / 2: it sums to 0 and the label entry is
  // negative; the ignored row is exactly 0.
  for (int64_t n : {0, 2}) {
    double sum = 0;
    for (int64_t c = 0; c < 4; ++c) sum += r.dscores[n * 4 + c];
    EXPECT_NEAR(sum, 0.0, 1e-6) << "row " << n;
  }
  EXPECT_NEAR(r.dscores[0 * 4 + 1], 1.5 * (std::exp(-row_loss(scores, 0, 4, 1)) - 1), 1e-6);
  for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(r.dscores[1 * 4 + c], 0.0f) << "class " << c;

  // Without ignore_label the same labels are out of range; with every position ignored the loss
  // and the gradient are 0.
  const Result all =
      run(softmax_loss(kIgnore), scores, labels<float>(Shape{3}, {kIgnore, kIgnore, kIgnore}));
  EXPECT_EQ(all.loss, 0.0f);
  for (int64_t i = 0; i < all.dscores.numel(); ++i) EXPECT_EQ(all.dscores[i], 0.0f);
}

TEST(SoftmaxWithLoss, LabelOutOfRangeIsDataError) {
  SoftmaxLossOp op = softmax_loss();
  op.set_name("loss");
  const Tensor scores = random_tensor<float>(Shape{3, 5}, 1);
  SVERTKA_EXPECT_THROW_WITH(run(op, scores, labels<float>(Shape{3}, {0, 4, 5})), DataError,
                            "SoftmaxWithLoss 'loss'", "label 5", "position 2", "[0, 5)");
  SVERTKA_EXPECT_THROW_WITH(run(op, scores, labels<float>(Shape{3}, {-1, 0, 0})), DataError,
                            "label -1", "position 0");
  SVERTKA_EXPECT_THROW_WITH(run(op, scores, labels<float>(Shape{3}, {0, 1.5, 0})), DataError,
                            "label 1.5", "position 1");
  SVERTKA_EXPECT_THROW_WITH(
      run(softmax_loss(kIgnore), scores, labels<float>(Shape{3}, {0, 254, 0})), DataError,
      "label 254", "position 1");
  // Shapes: one label per position.
  SVERTKA_EXPECT_THROW_WITH(op.output_shapes({Shape{2, 3, 4, 4}, Shape{2}}), ShapeError,
                            "SoftmaxWithLoss 'loss'", "labels (2)", "(2,3,4,4)", "32");
}

}  // namespace
}  // namespace svertka::testing
