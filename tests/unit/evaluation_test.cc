// Test-time views, dense evaluation and ensembles (src/eval/).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <random>

#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/eval/class_names.h"
#include "svertka/eval/image_views.h"
#include "svertka/eval/dense.h"
#include "svertka/eval/eval_batch.h"
#include "svertka/eval/evaluator.h"
#include "svertka/eval/idx_views.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

constexpr int64_t kClasses = 10;

IdxBatchSource random_images(int64_t count, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  IdxDataset data;
  data.images = {.count = count, .rows = 28, .cols = 28};
  for (int64_t i = 0; i < count * 28 * 28; ++i) data.images.pixels.push_back(uint8_t(rng() % 256));
  for (int64_t i = 0; i < count; ++i) data.labels.push_back(uint8_t(rng() % kClasses));
  return IdxBatchSource(std::move(data), Normalization{.mean = 0.3f, .stddev = 0.3f}, {});
}

// alexnet_small at a quarter width (FC-headed, LRN, overlapping pooling), TEST phase.
NetSpec small_net(int64_t batch) {
  ModelOptions o{.num_classes = kClasses, .channels = 1, .batch = batch, .width_divisor = 4};
  return build_model("alexnet_small", o);
}

std::unique_ptr<Net> trained_like(const NetSpec& spec, uint64_t seed) {
  auto net = std::make_unique<Net>(spec, NetOptions{.phase = Phase::kTest});
  net->init_params(seed);
  return net;
}

TEST(Views, PoliciesGiveThePapersViewCounts) {
  EXPECT_EQ(views_for(CropPolicy::kCenter, {}).size(), 1u);
  EXPECT_EQ(views_for(CropPolicy::kTen, {}).size(), 10u);
  EXPECT_EQ(views_for(CropPolicy::kTen, {256, 384, 512}).size(), 30u);
  EXPECT_EQ(views_for(CropPolicy::kDense, {256, 384, 512}).size(), 6u);
  EXPECT_EQ(views_for(CropPolicy::k144, {256, 288, 320, 352}).size(), 144u);
  const auto googlenet = views_for(CropPolicy::k144, {});  // GoogLeNet's four scales by default
  ASSERT_EQ(googlenet.size(), 144u);
  EXPECT_EQ(googlenet.front().scale, 256);
  EXPECT_EQ(googlenet.back().scale, 352);
  const auto ten = views_for(CropPolicy::kTen, {});
  int mirrored = 0, centres = 0;
  for (const View& v : ten) {
    mirrored += v.flip;
    centres += v.crop_y == 0.5 && v.crop_x == 0.5;
  }
  EXPECT_EQ(mirrored, 5);
  EXPECT_EQ(centres, 2);
  SVERTKA_EXPECT_THROW_WITH(parse_crop_policy("12"), ParamError, "center, 10, dense or 144");
}

TEST(Evaluation, TenCropIsTheMeanOfTheTenSingleCrops) {
  const IdxBatchSource images = random_images(6, 1);
  const IdxViewSource views(images, 2);
  const NetSpec spec = small_net(20);
  const auto weights = trained_like(spec, 3);
  const std::string logits = model_info("alexnet_small").logits;
  const EvaluationResult ten = evaluate_ensemble({{"a", spec, weights.get(), logits}}, views,
                                                 {.policy = CropPolicy::kTen});
  ASSERT_EQ(ten.predictions.size(), 6u);
  EXPECT_EQ(ten.views_per_sample, 10);

  // The same ten crops, one at a time, through a batch-1 net and a softmax computed here.
  const NetSpec single = small_net(1);
  Net net(single, {.phase = Phase::kTest});
  net.share_params_from(*weights);
  for (int64_t i = 0; i < 6; ++i) {
    std::vector<double> mean(kClasses, 0.0);
    for (const View& v : views_for(CropPolicy::kTen, {})) {
      const SmallImageView crop{.pad = 2,
                                .dy = std::llround(v.crop_y * 4),
                                .dx = std::llround(v.crop_x * 4),
                                .flip = v.flip};
      fill_batch_view(images.dataset(), std::vector<int64_t>{i}, images.normalization(), crop,
                      net.input("data"), net.input("label"));
      net.forward();
      const Tensor& z = net.blob(logits);
      double max = -INFINITY, total = 0;
      for (int64_t k = 0; k < kClasses; ++k) max = std::max(max, double(z[k]));
      for (int64_t k = 0; k < kClasses; ++k) total += std::exp(double(z[k]) - max);
      for (int64_t k = 0; k < kClasses; ++k)
        mean[size_t(k)] += std::exp(double(z[k]) - max) / total / 10.0;
    }
    const Prediction& p = ten.predictions[size_t(i)];
    for (size_t r = 0; r < p.classes.size(); ++r)
      EXPECT_NEAR(p.probabilities[r], mean[size_t(p.classes[r])], 1e-5) << "sample " << i;
  }
}

TEST(Evaluation, DenseNetAtTheTrainingSizeEqualsThePlainForward) {
  const NetSpec spec = small_net(2);
  const auto plain = trained_like(spec, 5);
  const NetSpec dense_spec = fully_convolutional(spec, Shape{2, 1, 28, 28});
  bool has_inner_product = false;
  for (const LayerSpec& layer : dense_spec.layers)
    has_inner_product = has_inner_product || layer.op->type() == "InnerProduct";
  EXPECT_FALSE(has_inner_product);
  Net dense(dense_spec, {.phase = Phase::kTest});
  copy_params_reshaped(*plain, dense);
  Tensor x = random_tensor<float>(Shape{2, 1, 28, 28}, 9);
  plain->input("data").copy_from(x);
  dense.input("data").copy_from(x);
  plain->forward();
  dense.forward();
  const std::string logits = model_info("alexnet_small").logits;
  const Tensor& a = plain->blob(logits);
  const Tensor& b = dense.blob(logits);
  ASSERT_EQ(b.shape(), (Shape{2, kClasses, 1, 1}));
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5 * (1 + std::abs(a[i])));

  // A larger image gives a map of class scores.
  Net larger(fully_convolutional(spec, Shape{1, 1, 44, 44}), {.phase = Phase::kTest});
  EXPECT_GT(larger.blob(logits).dim(2), 1);
}

TEST(Evaluation, AnEnsembleOfAModelWithItselfIsTheModel) {
  const IdxBatchSource images = random_images(9, 2);
  const IdxViewSource views(images, 2);
  const NetSpec spec = small_net(4);
  const auto weights = trained_like(spec, 4);
  const std::string logits = model_info("alexnet_small").logits;
  const EnsembleMember member{"a", spec, weights.get(), logits};
  for (CropPolicy policy : {CropPolicy::kCenter, CropPolicy::kDense}) {
    const EvaluationResult one = evaluate_ensemble({member}, views, {.policy = policy});
    const EvaluationResult two = evaluate_ensemble({member, member}, views, {.policy = policy});
    EXPECT_EQ(two.ensemble.top1, one.ensemble.top1);
    EXPECT_EQ(two.members[1].top1, one.members[0].top1);
    for (size_t i = 0; i < one.predictions.size(); ++i) {
      EXPECT_EQ(two.predictions[i].classes, one.predictions[i].classes);
      for (size_t r = 0; r < one.predictions[i].classes.size(); ++r)
        EXPECT_NEAR(two.predictions[i].probabilities[r], one.predictions[i].probabilities[r], 1e-6);
    }
  }
}

// The same views, but claiming whole images of varying sizes: dense evaluation one at a time.
class OneAtATime final : public ViewSource {
 public:
  explicit OneAtATime(const ViewSource& views) : views_(views) {}
  int64_t size() const override { return views_.size(); }
  int64_t num_classes() const override { return views_.num_classes(); }
  Shape crop_shape() const override { return views_.crop_shape(); }
  Shape whole_shape(int64_t index, const View& view) const override {
    return views_.whole_shape(index, view);
  }
  void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const override {
    views_.fill(items, images, labels);
  }

 private:
  const ViewSource& views_;
};

TEST(Evaluation, DenseInBatchesEqualsDenseOneImageAtATime) {
  const IdxBatchSource images = random_images(9, 5);  // two batches of 4 and a padded one
  const IdxViewSource views(images, 2);
  ASSERT_TRUE(views.uniform_whole_shape());
  const NetSpec spec = small_net(4);
  const auto weights = trained_like(spec, 6);
  const EnsembleMember member{"a", spec, weights.get(), model_info("alexnet_small").logits};
  const EvaluationResult batched =
      evaluate_ensemble({member}, views, {.policy = CropPolicy::kDense});
  const EvaluationResult single =
      evaluate_ensemble({member}, OneAtATime(views), {.policy = CropPolicy::kDense});
  ASSERT_EQ(batched.predictions.size(), 9u);
  for (size_t i = 0; i < single.predictions.size(); ++i) {
    EXPECT_EQ(batched.predictions[i].classes, single.predictions[i].classes);
    for (size_t r = 0; r < single.predictions[i].classes.size(); ++r)
      EXPECT_NEAR(batched.predictions[i].probabilities[r], single.predictions[i].probabilities[r],
                  1e-5);
  }
}

void expect_same_figures(const EvaluationResult& got, const EvaluationResult& expected,
                         const std::string& what) {
  EXPECT_EQ(got.ensemble.samples, expected.ensemble.samples) << what;
  EXPECT_EQ(got.ensemble.top1, expected.ensemble.top1) << what;
  EXPECT_EQ(got.ensemble.top5, expected.ensemble.top5) << what;
  ASSERT_EQ(got.predictions.size(), expected.predictions.size()) << what;
  for (size_t i = 0; i < got.predictions.size(); ++i) {
    EXPECT_EQ(got.predictions[i].classes, expected.predictions[i].classes) << what << " " << i;
    for (size_t r = 0; r < got.predictions[i].classes.size(); ++r)
      EXPECT_NEAR(got.predictions[i].probabilities[r], expected.predictions[i].probabilities[r],
                  2e-6)
          << what << " " << i;
  }
}

TEST(Evaluation, AnyBatchGivesTheSameFigures) {
  const IdxBatchSource images = random_images(7, 8);  // batches that split samples and pad
  const IdxViewSource views(images, 2);
  const NetSpec spec = small_net(1);
  const auto weights = trained_like(spec, 9);
  const EnsembleMember member{"a", spec, weights.get(), model_info("alexnet_small").logits};
  for (const CropPolicy policy : {CropPolicy::kCenter, CropPolicy::kTen, CropPolicy::kDense}) {
    const EvaluationResult one = evaluate_ensemble({member}, views, {.policy = policy, .batch = 1});
    EXPECT_EQ(one.ensemble.samples, 7);
    for (const int64_t batch : {3, 10, 16, 80})
      expect_same_figures(evaluate_ensemble({member}, views, {.policy = policy, .batch = batch}),
                          one, "batch " + std::to_string(batch));
  }
}

// The papers' protocols with default options on a 24 GB machine (20 GB of it available), from the
// memory plans alone: every batch chosen fits the budget, and VGG-16's dense evaluation at 512 px
// (a 4:3 image, 512x683, one view per pass: its activations exceed the working set; the image and
// its mirror together would fit the budget too) does too.
TEST(EvalBatch, ThePapersProtocolsFitA24GBMachine) {
  constexpr int64_t kAvailable = int64_t{20} << 30;
  const NetSpec alexnet = build_model("alexnet", {});
  const NetSpec vgg16 = build_model("vgg16", {});
  const NetSpec googlenet = build_model("googlenet", {});
  const std::vector<int64_t> vgg_scales{256, 384, 512};
  struct Protocol {
    std::string name;
    const NetSpec& spec;
    CropPolicy policy;
    std::vector<int64_t> scales;
  };
  for (const Protocol& p : std::vector<Protocol>{
           {"AlexNet 10-crop", alexnet, CropPolicy::kTen, {256}},
           {"VGG-16 10-crop", vgg16, CropPolicy::kTen, vgg_scales},
           {"VGG-16 dense", vgg16, CropPolicy::kDense, vgg_scales},
           {"VGG-16 144-crop", vgg16, CropPolicy::k144, {}},
           {"GoogLeNet 144-crop", googlenet, CropPolicy::k144, {}}}) {
    EvalBatchRequest request = eval_batch_request({p.spec}, p.policy, p.scales, 256);
    request.available_bytes = kAvailable;
    const EvalBatchChoice choice = choose_eval_batch(request);
    EXPECT_LE(choice.planned_bytes, choice.budget_bytes) << p.name << ": " << choice.describe();
    EXPECT_GE(choice.batch, 1) << p.name;
  }
  const NetMemoryPlan pair512 = plan_test_memory(fully_convolutional(vgg16, Shape{2, 3, 512, 683}));
  EXPECT_LE(pair512.total_bytes(), int64_t(double(kAvailable) * kEvalMemoryFraction));
  const NetMemoryPlan dense512 = plan_test_memory(fully_convolutional(vgg16, Shape{1, 3, 512, 683}));
  EXPECT_GT(dense512.activation_bytes, kEvalWorkingSetBytes);  // the plan sees the large image
  EvalBatchRequest dense = eval_batch_request({vgg16}, CropPolicy::kDense, vgg_scales, 256);
  dense.available_bytes = kAvailable;
  const EvalBatchChoice one = choose_eval_batch(dense);
  EXPECT_EQ(one.batch, 1);
  EXPECT_EQ(one.planned_bytes, dense512.total_bytes());
  // A smaller net's image and mirror share a pass (AlexNet's dense views at 256 px).
  EvalBatchRequest small = eval_batch_request({alexnet}, CropPolicy::kDense, {256}, 256);
  small.available_bytes = kAvailable;
  EXPECT_EQ(choose_eval_batch(small).batch, 2);
}

TEST(EvalBatch, TheBatchIsWholeSamplesWithinTheWorkingSetAndTheBudget) {
  const NetSpec spec = small_net(1);
  const NetMemoryPlan one = plan_test_memory(spec), two = plan_test_memory(with_batch(spec, 2));
  const int64_t per_view = two.total_bytes() - one.total_bytes();
  EvalBatchRequest request{.specs = {spec}, .views_per_sample = 10, .available_bytes = int64_t{1} << 34};
  request.working_set_bytes = 25 * one.activation_bytes;  // 25 views: two whole samples
  EXPECT_EQ(choose_eval_batch(request).batch, 20);
  request.max_batch = 15;
  EXPECT_EQ(choose_eval_batch(request).batch, 15);
  // A budget for 7 views (and the fixed part) gives 7, fewer than one sample's views.
  request.available_bytes = (one.total_bytes() + 6 * per_view) * 2;
  const EvalBatchChoice seven = choose_eval_batch(request);
  EXPECT_EQ(seven.batch, 7);
  EXPECT_LE(seven.planned_bytes, seven.budget_bytes);
  request.available_bytes = one.total_bytes();  // half of it is the budget: not even one view
  SVERTKA_EXPECT_THROW_WITH(choose_eval_batch(request), ResourceError, "over the budget");
  EXPECT_NE(seven.describe().find("batch 7 views: planned"), std::string::npos) << seven.describe();
}

TEST(Evaluation, BadInputsGiveClearErrors) {
  const IdxBatchSource images = random_images(3, 3);
  const IdxViewSource views(images, 2);
  const NetSpec spec = small_net(2);
  const auto weights = trained_like(spec, 1);
  const std::string logits = model_info("alexnet_small").logits;
  ModelOptions seven{.num_classes = 7, .channels = 1, .batch = 2, .width_divisor = 4};
  const NetSpec other = build_model("alexnet_small", seven);
  const auto other_weights = trained_like(other, 2);
  SVERTKA_EXPECT_THROW_WITH(evaluate_ensemble({{"ten", spec, weights.get(), logits},
                                               {"seven", other, other_weights.get(), logits}},
                                              views, {}),
                            ParamError, "'seven' scores 7 classes, the data has 10");
  SVERTKA_EXPECT_THROW_WITH(evaluate_ensemble({}, views, {}), ParamError, "at least one model");
  SVERTKA_EXPECT_THROW_WITH(fully_convolutional(spec, Shape{1, 1, 20, 20}), ShapeError,
                            "no smaller");
  SVERTKA_EXPECT_THROW_WITH(
      evaluate_ensemble({{"a", spec, weights.get(), logits}}, views,
                        {.policy = CropPolicy::kTen, .scales = {256}}),
      ParamError, "cannot be rescaled");
}

// Three PNG images (lossless, so decoding is exact) of different shapes in a folder of two classes.
ImageBatchSource image_folder(const TempDir& dir, int64_t crop) {
  write_image(dir.path() + "/a/0.png", pattern_image(40, 60, 1));
  write_image(dir.path() + "/a/1.png", pattern_image(64, 48, 2));
  write_image(dir.path() + "/b/2.png", pattern_image(48, 48, 3));
  ImageSourceOptions options;
  options.transform.scale_min = options.transform.scale_max = 40;
  options.transform.crop = crop;
  options.transform.channel_mean = {120, 110, 100};
  return ImageBatchSource(list_image_folder(dir.path()), options);
}

TEST(ImageViews, CentreViewIsTheValidationTransformAndMirrorsAreMirrors) {
  TempDir dir;
  const ImageBatchSource source = image_folder(dir, 32);
  const ImageViewSource views(source);
  const std::vector<int64_t> indices{0, 1, 2};
  Tensor expected(Shape{3, 3, 32, 32}), labels(Shape{3});
  source.fill(indices, /*augment=*/false, 0, 0, expected, labels);

  const std::vector<View> ten = views_for(CropPolicy::kTen, {});
  std::vector<SampleView> items;
  for (int64_t i = 0; i < 3; ++i)
    for (const View& v : ten) items.push_back({i, v});
  Tensor got(Shape{30, 3, 32, 32}), got_labels(Shape{30});
  views.fill(items, got, got_labels);
  const int64_t plane = 32 * 32, image = 3 * plane;
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got_labels[i * 10], labels[i]);
    const float* centre = got.data() + (i * 10 + 4) * image;  // view 4: the centre, unmirrored
    const float* mirrored = got.data() + (i * 10 + 9) * image;
    for (int64_t k = 0; k < image; ++k) ASSERT_EQ(centre[k], expected[i * image + k]) << k;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 32; ++y)
        for (int64_t x = 0; x < 32; ++x)
          ASSERT_EQ(mirrored[c * plane + y * 32 + x], centre[c * plane + y * 32 + 31 - x]);
  }
  // The 144-crop views and dense whole images fill too; a dense view is the whole rescaled image.
  std::vector<SampleView> squares;
  for (const View& v : views_for(CropPolicy::k144, {40, 48})) squares.push_back({1, v});
  Tensor square_images(Shape{int64_t(squares.size()), 3, 32, 32}), square_labels(Shape{72});
  views.fill(squares, square_images, square_labels);
  const View whole{.scale = 40, .whole_image = true};
  EXPECT_EQ(views.whole_shape(0, whole), (Shape{3, 40, 60}));
}

// Image files: 10 crops at two scales, GoogLeNet's 144 and dense whole images of differing sizes
// (an image and its mirror per pass, or one view at a time) give the same figures at any batch.
TEST(ImageViews, AnyBatchGivesTheSameFigures) {
  TempDir dir;
  const ImageBatchSource source = image_folder(dir, 32);
  const ImageViewSource views(source);
  const NetSpec spec = build_model(
      "alexnet_small", {.num_classes = 2, .height = 32, .width = 32, .width_divisor = 4});
  const auto weights = trained_like(spec, 12);
  const EnsembleMember member{"a", spec, weights.get(), model_info("alexnet_small").logits};
  const std::vector<std::pair<CropPolicy, std::vector<int64_t>>> protocols{
      {CropPolicy::kTen, {40, 48}}, {CropPolicy::k144, {40}}, {CropPolicy::kDense, {40, 48}}};
  for (const auto& [policy, scales] : protocols) {
    const EvaluationResult one =
        evaluate_ensemble({member}, views, {.policy = policy, .scales = scales, .batch = 1});
    for (const int64_t batch : {2, 7, 40})
      expect_same_figures(
          evaluate_ensemble({member}, views, {.policy = policy, .scales = scales, .batch = batch}),
          one, "views " + std::to_string(one.views_per_sample) + ", batch " + std::to_string(batch));
  }
}

TEST(ImageViews, ACropLargerThanTheImageIsAClearError) {
  TempDir dir;
  const ImageBatchSource source = image_folder(dir, 32);
  const ImageViewSource views(source);
  const SampleView small{0, View{.scale = 24}};
  Tensor images(Shape{1, 3, 32, 32}), labels(Shape{1});
  SVERTKA_EXPECT_THROW_WITH(views.fill(std::span(&small, 1), images, labels), ShapeError,
                            "crop is larger than");
}

// Every view of a greyscale model's source (1 channel) is each plane of the colour source's same
// view of the same grey files (decoded to three equal channels) when the means are equal: 10
// crops, GoogLeNet's 144 and dense whole images.
TEST(ImageViews, GreySourceViewsAreEachPlaneOfTheColourViews) {
  TempDir dir;
  const std::vector<std::pair<int, int>> sizes = {{40, 60}, {64, 48}, {48, 48}};
  for (size_t i = 0; i < sizes.size(); ++i) {
    cv::Mat grey;
    cv::cvtColor(pattern_image(sizes[i].first, sizes[i].second, int(i)), grey, cv::COLOR_BGR2GRAY);
    write_image(dir / (std::to_string(i % 2) + "/" + std::to_string(i) + ".png"), grey);
  }
  ImageSourceOptions colour;
  colour.transform.scale_min = colour.transform.scale_max = 40;
  colour.transform.crop = 32;
  colour.transform.channel_mean = {90, 90, 90};
  colour.transform.scale = 0.5f;
  ImageSourceOptions one = colour;
  one.transform.channels = 1;
  one.transform.channel_mean = {90, 0, 0};
  const ImageBatchSource colour_source(list_image_folder(dir.path()), colour);
  const ImageBatchSource grey_source(list_image_folder(dir.path()), one);
  EXPECT_EQ(grey_source.sample_shape(), (Shape{1, 32, 32}));
  const ImageViewSource colour_views(colour_source), grey_views(grey_source);
  EXPECT_EQ(grey_views.crop_shape(), (Shape{1, 32, 32}));

  auto expect_planes = [&](const std::vector<SampleView>& items, const Shape& view_shape) {
    const int64_t n = int64_t(items.size()), plane = view_shape[1] * view_shape[2];
    Tensor three(Shape{n, 3, view_shape[1], view_shape[2]}), labels3(Shape{n});
    Tensor single(Shape{n, 1, view_shape[1], view_shape[2]}), labels1(Shape{n});
    colour_views.fill(items, three, labels3);
    grey_views.fill(items, single, labels1);
    for (int64_t b = 0; b < n; ++b) {
      ASSERT_EQ(labels1[b], labels3[b]);
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t k = 0; k < plane; ++k)
          ASSERT_EQ(three[(b * 3 + c) * plane + k], single[b * plane + k]) << b << " " << c;
    }
  };
  for (const CropPolicy policy : {CropPolicy::kCenter, CropPolicy::kTen, CropPolicy::k144}) {
    std::vector<SampleView> items;
    for (int64_t i = 0; i < 3; ++i)
      for (const View& v : views_for(policy, {40, 44})) items.push_back({i, v});
    expect_planes(items, Shape{1, 32, 32});
  }
  for (int64_t i = 0; i < 3; ++i)
    for (const bool flip : {false, true}) {
      const View whole{.scale = 40, .flip = flip, .whole_image = true};
      const Shape shape = grey_views.whole_shape(i, whole);
      EXPECT_EQ(shape[0], 1);
      EXPECT_EQ(colour_views.whole_shape(i, whole), (Shape{3, shape[1], shape[2]}));
      expect_planes({{i, whole}}, shape);
    }
}

TEST(ClassNames, SynsetWordsLinesAreTheNamesWhole) {
  TempDir dir;
  const std::string path = dir.path() + "/synset_words.txt";
  std::ofstream(path) << "n01440764 tench, Tinca tinca\r\n\n  n01443537 goldfish, Carassius auratus \n";
  EXPECT_EQ(read_class_names(path), (std::vector<std::string>{"n01440764 tench, Tinca tinca",
                                                              "n01443537 goldfish, Carassius auratus"}));
  std::ofstream(path) << "n01440764 tench\nn01443537 goldfish\nn01440764 tench again\n";
  SVERTKA_EXPECT_THROW_WITH(read_class_names(path), DataError,
                            "line 3: class 'n01440764' is listed twice (first on line 1)");
  std::ofstream(path) << "\n \n";
  SVERTKA_EXPECT_THROW_WITH(read_class_names(path), DataError, "list no classes");
  SVERTKA_EXPECT_THROW_WITH(read_class_names(dir.path() + "/missing.txt"), IoError, "missing.txt");
}

}  // namespace
}  // namespace svertka::testing
