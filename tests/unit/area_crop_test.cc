// GoogLeNet's crop sampling (svertka/data/area_crop.h) and its place in the image transform.
#include "svertka/data/area_crop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/core.hpp>

#include "data/image_cv.h"
#include "op_test_helpers.h"
#include "svertka/data/image_transform.h"

namespace svertka::testing {
namespace {

TEST(AreaCrop, AreaAndAspectRatioStayWithinBoundsOverManyDraws) {
  const AreaCropOptions o{.enabled = true};
  // ImageNet-like shapes, a square, and ones too elongated for some draws to fit.
  for (const auto& [height, width] :
       {std::pair<int64_t, int64_t>{375, 500}, {500, 333}, {256, 256}, {100, 600}, {900, 120}}) {
    SCOPED_TRACE(std::to_string(height) + "x" + std::to_string(width));
    const double area = double(height) * double(width);
    double smallest = 1, largest = 0, narrowest = 10, widest = 0;
    for (uint64_t key = 0; key < 20000; ++key) {
      const CropBox b = sample_area_crop(o, height, width, key);
      ASSERT_GE(b.y, 0);
      ASSERT_GE(b.x, 0);
      ASSERT_LE(b.y + b.height, height);
      ASSERT_LE(b.x + b.width, width);
      // Within the bounds up to rounding each side to whole pixels (half a pixel either way).
      const double h = double(b.height), w = double(b.width);
      ASSERT_GE((h + 0.5) * (w + 0.5), o.area_min * area) << key;
      ASSERT_LE((h - 0.5) * (w - 0.5), o.area_max * area) << key;
      ASSERT_GE((w + 0.5) / (h - 0.5), o.aspect_min) << key;
      ASSERT_LE((w - 0.5) / (h + 0.5), o.aspect_max) << key;
      smallest = std::min(smallest, h * w / area), largest = std::max(largest, h * w / area);
      narrowest = std::min(narrowest, w / h), widest = std::max(widest, w / h);
    }
    // ... and they are used: areas near both ends, aspect ratios near both ends (the elongated
    // images have no large patches of such aspect ratios).
    if (std::max(height, width) > 2 * std::min(height, width)) continue;
    EXPECT_LT(smallest, 0.09);
    EXPECT_GT(largest, 0.55);
    EXPECT_LT(narrowest, 0.77);
    EXPECT_GT(widest, 1.30);
  }
}

TEST(AreaCrop, TheSameKeyGivesTheSamePatch) {
  const AreaCropOptions o{.enabled = true};
  for (uint64_t key = 0; key < 100; ++key) {
    const CropBox a = sample_area_crop(o, 375, 500, key), b = sample_area_crop(o, 375, 500, key);
    EXPECT_EQ(std::tie(a.y, a.x, a.height, a.width), std::tie(b.y, b.x, b.height, b.width));
  }
}

TEST(AreaCrop, InvalidRangesAreParamErrors) {
  SVERTKA_EXPECT_THROW_WITH(check_area_crop_options({.enabled = true, .area_min = 0}), ParamError,
                            "area");
  SVERTKA_EXPECT_THROW_WITH(check_area_crop_options({.enabled = true, .area_max = 1.5}), ParamError,
                            "area");
  SVERTKA_EXPECT_THROW_WITH(
      check_area_crop_options({.enabled = true, .aspect_min = 2, .aspect_max = 1}), ParamError,
      "aspect");
}

TEST(AreaCrop, TransformDrawsPatchesWhenTrainingOnlyAndKeepsTheOtherDraws) {
  ImageTransformOptions plain;
  plain.pca_std = 0.1f;
  ImageTransformOptions sampled = plain;
  sampled.area_crop.enabled = true;
  for (int64_t index = 0; index < 50; ++index) {
    const SampleDraw a = draw_sample(plain, true, 3, 1, index);
    const SampleDraw b = draw_sample(sampled, true, 3, 1, index);
    EXPECT_FALSE(a.area_crop_key);
    ASSERT_TRUE(b.area_crop_key);
    EXPECT_EQ(a.flip, b.flip);
    EXPECT_EQ(a.alpha, b.alpha);
    EXPECT_FALSE(draw_sample(sampled, false, 3, 1, index).area_crop_key);
  }
}

TEST(AreaCrop, TransformResizesThePatchToTheCrop) {
  // Left half black, right half white: a patch in one half comes out uniform.
  cv::Mat image(200, 400, CV_8UC3, cv::Scalar::all(0));
  image(cv::Rect(200, 0, 200, 200)).setTo(cv::Scalar::all(255));
  ImageTransformOptions o;
  o.crop = 16;
  o.scale_min = o.scale_max = 16;
  o.mirror = false;
  o.area_crop = {.enabled = true};
  std::vector<float> out(3 * 16 * 16);
  for (uint64_t key = 0; key < 200; ++key) {
    const CropBox box = sample_area_crop(o.area_crop, 200, 400, key);
    if (box.x + box.width > 200 && box.x < 200) continue;  // straddles the edge
    SampleDraw draw;
    draw.area_crop_key = key;
    transform_image(from_mat(image), o, draw, out.data());
    const float expected = box.x >= 200 ? 255.0f : 0.0f;
    EXPECT_EQ(*std::min_element(out.begin(), out.end()), expected) << key;
    EXPECT_EQ(*std::max_element(out.begin(), out.end()), expected) << key;
  }
}

}  // namespace
}  // namespace svertka::testing
