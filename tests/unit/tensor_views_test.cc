// Views of samples in memory (src/eval/tensor_views.cc) against the views of image files: the same
// pixels give the same crops, squares and whole images, and the same predictions.
#include <gtest/gtest.h>

#include <cmath>

#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/error.h"
#include "svertka/eval/evaluator.h"
#include "svertka/eval/image_views.h"
#include "svertka/eval/tensor_views.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

constexpr int64_t kHeight = 40, kWidth = 56, kCrop = 32;

// Three lossless PNGs of one size (40x56: the shorter side is the source's scale, so the files are
// not resized) as an image source with no mean and no scaling.
ImageBatchSource write_images(const TempDir& dir) {
  for (int i = 0; i < 3; ++i)
    write_image(dir / (std::to_string(i % 2) + "/" + std::to_string(i) + ".png"),
                pattern_image(int(kHeight), int(kWidth), i + 1));
  ImageSourceOptions options;
  options.transform.scale_min = options.transform.scale_max = kHeight;
  options.transform.crop = kCrop;
  options.transform.channel_mean = {0, 0, 0};
  return ImageBatchSource(list_image_folder(dir.path()), options);
}

// The pixels of the listed files in list order, as ImageViewSource reads them (B, G, R planes).
Tensor pixels_of(const ImageBatchSource& source) {
  const int64_t n = source.size();
  Tensor planes(Shape{n, 3, kHeight, kWidth});
  for (int64_t i = 0; i < n; ++i) {
    const cv::Mat image = cv::imread(source.list().entries[size_t(i)].path, cv::IMREAD_COLOR);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < kHeight; ++y)
        for (int64_t x = 0; x < kWidth; ++x)
          planes[((i * 3 + c) * kHeight + y) * kWidth + x] =
              float(image.at<cv::Vec3b>(int(y), int(x))[int(c)]);
  }
  return planes;
}

// Fills `items` from both sources; every value within `tolerance` (uint8 against float
// arithmetic where a view resizes).
void expect_same_views(const ViewSource& files, const ViewSource& tensors,
                       const std::vector<SampleView>& items, const Shape& view, float tolerance) {
  const auto n = int64_t(items.size());
  Tensor a(Shape{n, view[0], view[1], view[2]}), b(Shape{n, view[0], view[1], view[2]});
  Tensor labels_a(Shape{n}), labels_b(Shape{n});
  files.fill(items, a, labels_a);
  tensors.fill(items, b, labels_b);
  const int64_t per_view = view.numel();
  for (int64_t k = 0; k < a.numel(); ++k)
    ASSERT_NEAR(a[k], b[k], tolerance) << "view " << k / per_view << " of " << n;
}

TEST(TensorViews, CropsSquaresAndWholeImagesAreTheImageFilesViews) {
  TempDir dir;
  const ImageBatchSource source = write_images(dir);
  const Tensor planes = pixels_of(source);
  const ImageViewSource files(source);
  const TensorViewSource tensors(planes.data(), planes.shape(), Shape{3, kCrop, kCrop}, 2);
  EXPECT_EQ(tensors.size(), 3);
  EXPECT_EQ(tensors.crop_shape(), (Shape{3, kCrop, kCrop}));

  // At the samples' own size every crop is the same pixels: 10 crops, GoogLeNet's cropped squares.
  std::vector<SampleView> exact, resized;
  for (int64_t i = 0; i < 3; ++i) {
    for (const View& v : views_for(CropPolicy::kTen, {})) exact.push_back({i, v});
    for (View v : views_for(CropPolicy::k144, {kHeight}))
      (v.whole_square ? resized : exact).push_back({i, v});
  }
  expect_same_views(files, tensors, exact, Shape{3, kCrop, kCrop}, 0.0f);
  // A square resized whole, and views at another scale, differ by the rounding of uint8 pixels.
  for (int64_t i = 0; i < 3; ++i)
    for (const View& v : views_for(CropPolicy::kTen, {48})) resized.push_back({i, v});
  expect_same_views(files, tensors, resized, Shape{3, kCrop, kCrop}, 1.0f);

  // Dense: the whole sample (and its mirror), at its own size and rescaled.
  for (const int64_t scale : {int64_t(0), int64_t(48)})
    for (const bool flip : {false, true}) {
      const View whole{.scale = scale, .flip = flip, .whole_image = true};
      const Shape shape = tensors.whole_shape(1, whole);
      EXPECT_EQ(shape, files.whole_shape(1, View{.scale = scale == 0 ? kHeight : scale,
                                                 .flip = flip,
                                                 .whole_image = true}));
      expect_same_views(files, tensors, {{1, whole}}, shape, scale == 0 ? 0.0f : 1.0f);
    }
}

TEST(TensorViews, TenCropPredictionsAreTheImageFilesPredictions) {
  TempDir dir;
  const ImageBatchSource source = write_images(dir);
  const Tensor planes = pixels_of(source);
  const NetSpec spec = build_model(
      "alexnet_small", {.num_classes = 2, .height = kCrop, .width = kCrop, .width_divisor = 4});
  Net net(spec, {.phase = Phase::kTest});
  net.init_params(5);
  const EnsembleMember member{"a", spec, &net, model_info("alexnet_small").logits};
  const EvaluationOptions ten{.policy = CropPolicy::kTen, .batch = 7};
  const EvaluationResult from_files = evaluate_ensemble({member}, ImageViewSource(source), ten);
  const EvaluationResult from_tensors = evaluate_ensemble(
      {member}, TensorViewSource(planes.data(), planes.shape(), Shape{3, kCrop, kCrop}, 2), ten);
  ASSERT_EQ(from_tensors.predictions.size(), 3u);
  EXPECT_EQ(from_tensors.views_per_sample, 10);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(from_tensors.predictions[i].classes, from_files.predictions[i].classes);
    for (size_t r = 0; r < 2; ++r)
      EXPECT_NEAR(from_tensors.predictions[i].probabilities[r],
                  from_files.predictions[i].probabilities[r], 1e-6);
  }
}

TEST(TensorViews, BadShapesAreClearErrors) {
  Tensor planes(Shape{2, 3, 20, 24});
  SVERTKA_EXPECT_THROW_WITH(TensorViewSource(planes.data(), planes.shape(), Shape{1, 20, 20}, 2),
                            ShapeError, "samples of 3 channels, the net takes 1");
  SVERTKA_EXPECT_THROW_WITH(TensorViewSource(planes.data(), Shape{2, 3, 20}, Shape{3, 20, 20}, 2),
                            ShapeError, "must be (N,C,H,W)");
  const TensorViewSource views(planes.data(), planes.shape(), Shape{3, 22, 22}, 2);
  const SampleView centre{0, View{}};
  Tensor images(Shape{1, 3, 22, 22}), labels(Shape{1});
  SVERTKA_EXPECT_THROW_WITH(views.fill(std::span(&centre, 1), images, labels), ShapeError,
                            "a 22x22 crop is larger than sample 0 at scale 0 (20x24)");
}

}  // namespace
}  // namespace svertka::testing
