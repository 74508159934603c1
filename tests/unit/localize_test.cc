// Localisation end to end: generated images, each one coloured rectangle on a textured background,
// written as PNGs with a box list; a small net with a box regression head learns to find it.
#include <gtest/gtest.h>

#include <random>

#include "image_test_helpers.h"
#include "svertka/builder.h"
#include "svertka/error.h"
#include "svertka/localize/localizer.h"

namespace svertka {
namespace {

using testing::TempDir;

constexpr int kSize = 32;

// `count` images named <prefix><i>.png and a list "path label x1 y1 x2 y2"; label 0: a red
// rectangle, 1: a blue one.
std::string write_rectangles(const TempDir& dir, const std::string& prefix, int count,
                             uint32_t seed) {
  std::mt19937 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::ofstream list(dir / (prefix + ".txt"));
  for (int i = 0; i < count; ++i) {
    cv::Mat image(kSize, kSize, CV_8UC3);
    const double fx = uniform(2, 6) / 10.0, fy = uniform(2, 6) / 10.0;
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        const int v = 100 + int(40 * std::sin(fx * x) * std::cos(fy * y)) + uniform(-25, 25);
        image.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(v), uint8_t(v), uint8_t(v));
      }
    const int w = uniform(8, 22), h = uniform(8, 22);
    const int x1 = uniform(0, kSize - w), y1 = uniform(0, kSize - h);
    const int label = i % 2;
    const cv::Scalar colour = label ? cv::Scalar(220, 60, 40) : cv::Scalar(40, 60, 220);
    image(cv::Rect(x1, y1, w, h)).setTo(colour);
    const std::string name = prefix + std::to_string(i) + ".png";
    cv::imwrite(dir / name, image);
    list << name << " " << label << " " << x1 << " " << y1 << " " << x1 + w << " " << y1 + h
         << "\n";
  }
  return dir / (prefix + ".txt");
}

// (N,3,32,32) -> 16x16 -> 8x8 -> 4x4 -> fc 128 -> scores; the box head sits on the fc.
NetSpec small_localizer(const ModelOptions& o) {
  NetBuilder b("small_localizer");
  b.default_fillers(Filler::xavier(), Filler::constant(0));
  auto x = b.input("data", Shape{o.batch, 3, kSize, kSize});
  b.input("label", Shape{o.batch});
  x = b.conv("conv1", x, Conv(16, 3).pad(1));
  x = b.relu("relu1", x);
  x = b.pool("pool1", x, Pool::max(2, 2));
  x = b.conv("conv2", x, Conv(32, 3).pad(1));
  x = b.relu("relu2", x);
  x = b.pool("pool2", x, Pool::max(2, 2));
  x = b.conv("conv3", x, Conv(32, 3).pad(1));
  x = b.relu("relu3", x);
  x = b.pool("pool3", x, Pool::max(2, 2));
  x = b.fc("fc4", x, Fc(128));
  x = b.relu("relu4", x);
  x = b.fc("scores", x, Fc(o.num_classes));
  b.softmax_loss("loss", x, "label");
  b.accuracy("accuracy_top1", x, "label", 1);
  b.accuracy("accuracy_top5", x, "label", 2);
  return b.build();
}

ImageSourceOptions plain_32() {
  ImageSourceOptions o;
  o.transform.scale_min = o.transform.scale_max = o.transform.crop = kSize;
  o.transform.mirror = true;
  o.transform.channel_mean = {128, 128, 128};
  o.transform.scale = 1.0f / 64;
  return o;
}

LocalizeConfig config(bool per_class) {
  LocalizeConfig c;
  c.train.build_net = small_localizer;
  c.train.logits = "scores";
  c.train.model = "small_localizer";
  c.train.epochs = 12;
  c.train.batch = 32;
  c.train.schedule = {.kind = LrScheduleOptions::Kind::kStep, .base_lr = 0.005, .step_size = 300};
  c.train.sgd.weight_decay = 1e-4;
  c.head = {.per_class = per_class, .loss_weight = 5};
  return c;
}

void expect_localizes(bool per_class) {
  TempDir dir;
  BoxBatchSource train(read_box_list(write_rectangles(dir, "train", 1280, 1)), plain_32());
  BoxBatchSource held_out(read_box_list(write_rectangles(dir, "test", 256, 2)), plain_32());
  const LocalizeResult r = train_localizer(config(per_class), train, &held_out);
  std::printf(
      "%s regression: held-out mean IoU %.3f, localisation error top-1 %.1f%% top-5 %.1f%%\n",
      per_class ? "per-class" : "single-class", r.validation.mean_iou(),
      100 * r.validation.top1_error(), 100 * r.validation.top5_error());
  EXPECT_EQ(r.validation.samples, 256);
  EXPECT_GE(r.validation.mean_iou(), 0.7);
  // The colour gives the class away, so a top-1 error well above the share of boxes with IoU < 0.5
  // means the classifier's scores were lost (they were, while the test net did not keep them).
  EXPECT_LE(r.validation.top1_error(), 0.15);
  EXPECT_LE(r.validation.top5_error(), r.validation.top1_error());
}

TEST(Localize, SingleClassRegressorFindsTheRectangle) { expect_localizes(false); }
TEST(Localize, PerClassRegressorFindsTheRectangle) { expect_localizes(true); }

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
