// Localisation end to end: generated images, each one coloured rectangle on a textured background,
// written as PNGs with a box list; a small net with a box regression head learns to find it.
#include <gtest/gtest.h>

#include <random>

#include "localize_test_helpers.h"
#include "svertka/error.h"
#include "svertka/localize/localizer.h"
#include "svertka/solver/trainer.h"

namespace svertka {
namespace {

using testing::plain_32;
using testing::small_localizer;
using testing::TempDir;
using testing::write_rectangles;

TrainNet localizer_net(int64_t batch, bool per_class) {
  const ModelOptions o{.num_classes = 2, .batch = batch};
  return {"small_localizer",
          add_box_head(small_localizer(o), "scores", 2, {.per_class = per_class, .loss_weight = 5}),
          "scores"};
}

TrainConfig config() {
  TrainConfig c;
  c.loop.epochs = 12;
  c.loop.batch = 32;
  c.solver.schedule = {.kind = LrScheduleOptions::Kind::kStep, .base_lr = 0.005, .step_size = 300};
  c.solver.sgd.weight_decay = 1e-4;
  return c;
}

void expect_localizes(bool per_class) {
  TempDir dir;
  BoxBatchSource train(read_box_list(write_rectangles(dir.path(), "train", 1280, 1)), plain_32());
  BoxBatchSource held_out(read_box_list(write_rectangles(dir.path(), "test", 256, 2)), plain_32());
  const LocalizationTask task("scores", {.per_class = per_class, .loss_weight = 5});
  Trainer trainer(localizer_net(32, per_class), config(), train, &held_out, &task);
  const TrainResult r = trainer.run();
  const ValidationCounts v = trainer.validate();
  std::printf(
      "%s regression: held-out mean IoU %.3f, localisation error top-1 %.1f%% top-5 %.1f%%\n",
      per_class ? "per-class" : "single-class", v.task_mean(), 100 * v.top1_error(),
      100 * v.top5_error());
  EXPECT_EQ(v.samples, 256);
  EXPECT_EQ(r.last.val_top1_error, v.top1_error());
  ASSERT_EQ(r.last.task.size(), 2u);
  EXPECT_EQ(r.last.task[1].name, "val_mean_iou");
  EXPECT_EQ(r.last.task[1].value, v.task_mean());
  EXPECT_GE(v.task_mean(), 0.7);
  // The colour gives the class away, so a top-1 error well above the share of boxes with IoU < 0.5
  // means the classifier's scores were lost (they were, while the test net did not keep them).
  EXPECT_LE(v.top1_error(), 0.15);
  EXPECT_LE(v.top5_error(), v.top1_error());
}

TEST(Localize, SingleClassRegressorFindsTheRectangle) {
  expect_localizes(false);
}
TEST(Localize, PerClassRegressorFindsTheRectangle) {
  expect_localizes(true);
}

TEST(Localize, BoxHeadNeedsTheLogitsLayer) {
  ModelOptions o{.num_classes = 2, .batch = 4};
  EXPECT_THROW(add_box_head(small_localizer(o), "nope", 2, {}), NotFoundError);
  const NetSpec spec = add_box_head(small_localizer(o), "scores", 2, {.per_class = true});
  Net net(spec, {.phase = Phase::kTest});
  EXPECT_EQ(net.blob("bbox").shape(), (Shape{4, 8}));
}

// Per-class training sets the other classes' targets to the predictions after the forward pass,
// which zeroes their gradient only if the Euclidean loss's backward re-reads its inputs: pinned on
// both backends (oneDNN has no EuclideanLoss and falls back to the reference kernel).
TEST(Localize, PerClassTargetsOverwrittenAfterForwardGiveGradientOnlyToTheTrueClass) {
  for (const Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
    const int64_t batch = 4, classes = 3;
    const NetSpec spec = add_box_head(small_localizer({.num_classes = classes, .batch = batch}),
                                      "scores", classes, {.per_class = true});
    Net net(spec, {.phase = Phase::kTrain, .backend = backend, .keep_blobs = {"bbox"}});
    net.init_params(3);
    Tensor& images = net.input("data");
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    for (int64_t i = 0; i < images.numel(); ++i) images.data()[i] = normal(rng);
    const std::vector<int64_t> labels{0, 2, 1, 2};
    for (int64_t i = 0; i < batch; ++i) net.input("label")[i] = float(labels[size_t(i)]);
    Tensor& targets = net.input("bbox_target");
    targets.zero();
    net.forward();
    const Tensor& predictions = net.blob("bbox");
    std::copy_n(predictions.data(), predictions.numel(), targets.data());
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < 4; ++j) targets[i * 4 * classes + 4 * labels[size_t(i)] + j] = 0.5f;
    net.backward();
    const Tensor& grad = net.blob_grad("bbox");
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t k = 0; k < 4 * classes; ++k) {
        const int64_t at = i * 4 * classes + k;
        if (k / 4 == labels[size_t(i)])
          EXPECT_NE(grad[at], 0.0f) << "sample " << i << " output " << k;
        else
          EXPECT_EQ(grad[at], 0.0f) << "sample " << i << " output " << k;
      }
  }
}

}  // namespace
}  // namespace svertka
