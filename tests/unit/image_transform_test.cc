#include "svertka/data/image_transform.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <set>

#include "data/image_cv.h"
#include "op_test_helpers.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

// B = 10y + x, G = 100 + 10y + x, R = 200 + 10y + x: every value names its position and channel.
cv::Mat positional(int height, int width) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int v = 10 * y + x;
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(v), uint8_t(100 + v), uint8_t(200 + v));
    }
  return image;
}

ImageTransformOptions raw(int64_t crop) {
  ImageTransformOptions o;
  o.crop = crop;
  o.scale_min = o.scale_max = crop;
  return o;
}

float at(const std::vector<float>& out, int64_t crop, int c, int y, int x) {
  return out[size_t((c * crop + y) * crop + x)];
}

TEST(ImageTransform, CropTakesTheWindowAtItsOffsetInBgrPlanes) {
  const ImageTransformOptions o = raw(2);
  std::vector<float> out(12);
  crop_normalize(from_mat(positional(4, 5)), o, 1, 2, false, {}, out.data());
  // Rows 1-2, columns 2-3; planes B, G, R.
  EXPECT_EQ(at(out, 2, 0, 0, 0), 12);
  EXPECT_EQ(at(out, 2, 0, 0, 1), 13);
  EXPECT_EQ(at(out, 2, 0, 1, 0), 22);
  EXPECT_EQ(at(out, 2, 1, 1, 1), 123);
  EXPECT_EQ(at(out, 2, 2, 0, 1), 213);
}

TEST(ImageTransform, FlipReversesEachRowOfTheCrop) {
  const ImageTransformOptions o = raw(3);
  std::vector<float> out(27);
  crop_normalize(from_mat(positional(4, 5)), o, 0, 1, true, {}, out.data());
  EXPECT_EQ(at(out, 3, 0, 0, 0), 3);  // columns 1..3 reversed: 3, 2, 1
  EXPECT_EQ(at(out, 3, 0, 0, 1), 2);
  EXPECT_EQ(at(out, 3, 0, 0, 2), 1);
  EXPECT_EQ(at(out, 3, 2, 2, 0), 223);
}

TEST(ImageTransform, RgbOrderPutsRedFirst) {
  ImageTransformOptions o = raw(2);
  o.order = ChannelOrder::kRgb;
  std::vector<float> out(12);
  crop_normalize(from_mat(positional(3, 3)), o, 0, 0, false, {}, out.data());
  EXPECT_EQ(at(out, 2, 0, 1, 1), 211);
  EXPECT_EQ(at(out, 2, 1, 1, 1), 111);
  EXPECT_EQ(at(out, 2, 2, 1, 1), 11);
}

TEST(ImageTransform, ChannelMeanAndScale) {
  ImageTransformOptions o = raw(1);
  o.channel_mean = {200, 100, 1};  // R, G, B
  o.scale = 0.5f;
  std::vector<float> out(3);
  crop_normalize(from_mat(positional(3, 3)), o, 1, 2, false, {}, out.data());  // v = 12
  EXPECT_FLOAT_EQ(out[0], (12 - 1) * 0.5f);
  EXPECT_FLOAT_EQ(out[1], (112 - 100) * 0.5f);
  EXPECT_FLOAT_EQ(out[2], (212 - 200) * 0.5f);
}

TEST(ImageTransform, MeanImageIsCroppedAtTheSameOffsetAndFlippedWithTheData) {
  ImageTransformOptions o = raw(2);
  // The mean equals the image's B plane + 1 everywhere in every plane, so B - mean = -1 exactly
  // when the mean is read at the data's own source pixel.
  o.mean_image = Tensor(Shape{3, 4, 5});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x) o.mean_image[(c * 4 + y) * 5 + x] = float(10 * y + x + 1);
  std::vector<float> out(12);
  for (bool flip : {false, true}) {
    crop_normalize(from_mat(positional(4, 5)), o, 2, 3, flip, {}, out.data());
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) {
        EXPECT_EQ(at(out, 2, 0, y, x), -1) << flip;
        EXPECT_EQ(at(out, 2, 1, y, x), 99) << flip;  // G = B + 100
      }
  }
}

TEST(ImageTransform, LargerMeanImageIsCroppedAtTheProportionalOffset) {
  ImageTransformOptions o = raw(2);
  o.mean_image = Tensor(Shape{3, 6, 6});
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 6; ++x) o.mean_image[y * 6 + x] = float(10 * y + x);  // R plane
  std::vector<float> out(12);
  // Image 4x4 (offsets 0..2), mean 6x6 (offsets 0..4): offset (1, 2) maps to (2, 4).
  cv::Mat zero(4, 4, CV_8UC3, cv::Scalar(0, 0, 0));
  crop_normalize(from_mat(zero), o, 1, 2, false, {}, out.data());
  EXPECT_EQ(at(out, 2, 2, 0, 0), -24);  // R plane: -(10*2 + 4)
  EXPECT_EQ(at(out, 2, 2, 1, 1), -35);
}

TEST(ImageTransform, PcaShiftMatchesAHandComputation) {
  ColourPca pca;
  pca.eigenvalues = {0.2f, 0.02f, 0.004f};
  pca.eigenvectors = {{{-0.5675f, 0.7192f, 0.4009f},
                       {-0.5808f, -0.0045f, -0.8140f},
                       {-0.5836f, -0.6948f, 0.4203f}}};
  // R = 255 * (-0.5675 * 0.1 * 0.2 + 0.7192 * -0.2 * 0.02 + 0.4009 * 0.3 * 0.004)
  //   = 255 * (-0.01135 - 0.0028768 + 0.00048108) = -3.5051586, and so on.
  const auto shift = pca_shift(pca, {0.1f, -0.2f, 0.3f});
  EXPECT_NEAR(shift[0], -3.5051586, 1e-4);
  EXPECT_NEAR(shift[1], -3.2065740, 1e-4);
  EXPECT_NEAR(shift[2], -2.1390522, 1e-4);
  // Added to every pixel of its channel.
  ImageTransformOptions o = raw(1);
  std::vector<float> out(3);
  crop_normalize(from_mat(positional(2, 2)), o, 1, 1, false, shift, out.data());  // v = 11
  EXPECT_NEAR(out[0], 11 - 2.1390522, 1e-4);   // B
  EXPECT_NEAR(out[2], 211 - 3.5051586, 1e-4);  // R
}

TEST(ImageTransform, CropOffsetsSpanTheWholeRangeAndCentre) {
  EXPECT_EQ(crop_offset(0.0, 256, 224), 0);
  EXPECT_EQ(crop_offset(0.999999, 256, 224), 32);
  EXPECT_EQ(crop_offset(0.5, 256, 224), 16);
  EXPECT_EQ(crop_offset(0.5, 257, 224), 16);
  EXPECT_EQ(crop_offset(0.3, 224, 224), 0);
}

TEST(ImageTransform, ResizedSizeKeepsTheAspectOrWarps) {
  ImageTransformOptions o;
  EXPECT_EQ(resized_size(o, 375, 500, 256), (std::array<int64_t, 2>{256, 341}));
  EXPECT_EQ(resized_size(o, 500, 375, 256), (std::array<int64_t, 2>{341, 256}));
  EXPECT_EQ(resized_size(o, 300, 300, 384), (std::array<int64_t, 2>{384, 384}));
  o.resize = ResizeMode::kWarp;
  EXPECT_EQ(resized_size(o, 375, 500, 256), (std::array<int64_t, 2>{256, 256}));
}

TEST(ImageTransform, ScaleJitterStaysInRangeAndReachesBothEnds) {
  ImageTransformOptions o;
  o.scale_min = 256, o.scale_max = 512, o.pca_std = 0.1f;
  std::set<int64_t> scales;
  int flips = 0;
  double alpha_sq = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const SampleDraw d = draw_sample(o, true, 7, 3, i);
    ASSERT_GE(d.scale, 256);
    ASSERT_LE(d.scale, 512);
    ASSERT_GE(d.crop_y, 0.0);
    ASSERT_LT(d.crop_x, 1.0);
    scales.insert(d.scale);
    flips += d.flip;
    for (float a : d.alpha) alpha_sq += double(a) * a;
  }
  EXPECT_EQ(*scales.begin(), 256);
  EXPECT_EQ(*scales.rbegin(), 512);
  EXPECT_GT(scales.size(), 250u);
  EXPECT_NEAR(flips, n / 2, 150);
  EXPECT_NEAR(std::sqrt(alpha_sq / (3 * n)), 0.1, 0.005);
}

TEST(ImageTransform, DrawsDependOnlyOnSeedEpochAndIndex) {
  ImageTransformOptions o;
  o.scale_max = 512;
  const SampleDraw a = draw_sample(o, true, 1, 2, 3), b = draw_sample(o, true, 1, 2, 3);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.crop_y, b.crop_y);
  EXPECT_EQ(a.flip, b.flip);
  int differ = 0;
  for (int i = 0; i < 20; ++i)
    differ += draw_sample(o, true, 1, 2, i).crop_x != draw_sample(o, true, 1, 3, i).crop_x;
  EXPECT_EQ(differ, 20);
}

TEST(ImageTransform, EvaluationIsResizeAndCentreCrop) {
  ImageTransformOptions o;
  o.scale_max = 512, o.pca_std = 0.1f;
  const SampleDraw d = draw_sample(o, false, 1, 2, 3);
  EXPECT_EQ(d.scale, 256);
  EXPECT_EQ(d.crop_y, 0.5);
  EXPECT_EQ(d.crop_x, 0.5);
  EXPECT_FALSE(d.flip);
  EXPECT_EQ(d.alpha, (std::array<float, 3>{}));
  // End to end on an image 2x the size: the centre crop of the resize.
  o.scale_min = o.scale_max = 8, o.crop = 4;
  cv::Mat image = positional(16, 24), resized;
  cv::resize(image, resized, cv::Size(12, 8), 0, 0, cv::INTER_AREA);
  std::vector<float> out(48);
  transform_image(from_mat(image), o, draw_sample(o, false, 1, 2, 3), out.data());
  EXPECT_EQ(at(out, 4, 0, 0, 0), resized.at<cv::Vec3b>(2, 4)[0]);
  EXPECT_EQ(at(out, 4, 2, 3, 3), resized.at<cv::Vec3b>(5, 7)[2]);
}

TEST(ImageTransform, InvalidOptionsAreRejected) {
  ImageTransformOptions o;
  o.crop = 300;
  EXPECT_THROW(check_transform_options(o), ParamError);
  o = {};
  o.scale_max = 100;
  EXPECT_THROW(check_transform_options(o), ParamError);
  o = {};
  o.mean_image = Tensor(Shape{3, 100, 100});
  EXPECT_THROW(check_transform_options(o), ShapeError);
  EXPECT_THROW(crop_normalize(from_mat(positional(4, 4)), raw(3), 2, 0, false, {}, nullptr),
               ShapeError);
}

// A grey image whose values name their position: 10y + x.
cv::Mat positional_grey(int height, int width) {
  cv::Mat image(height, width, CV_8UC1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) image.at<uint8_t>(y, x) = uint8_t(10 * y + x);
  return image;
}

ImageTransformOptions grey(int64_t crop) {
  ImageTransformOptions o = raw(crop);
  o.channels = 1;
  return o;
}

TEST(ImageTransform, GreyCropFlipMeanAndScaleGiveOnePlane) {
  ImageTransformOptions o = grey(2);
  o.channel_mean = {5, 0, 0};
  o.scale = 0.5f;
  check_transform_options(o);
  std::vector<float> out(5, -99);  // one 2x2 plane and a guard that stays untouched
  crop_normalize(from_mat(positional_grey(4, 5)), o, 1, 2, false, {}, out.data());
  // Rows 1-2, columns 2-3: 12 13 / 22 23, minus 5, times 0.5.
  EXPECT_EQ(out, (std::vector<float>{3.5f, 4, 8.5f, 9, -99}));
  crop_normalize(from_mat(positional_grey(4, 5)), o, 1, 2, true, {}, out.data());
  EXPECT_EQ(out, (std::vector<float>{4, 3.5f, 9, 8.5f, -99}));
}

TEST(ImageTransform, GreyMeanImageIsOnePlaneCroppedAndFlippedWithTheData) {
  ImageTransformOptions o = grey(2);
  o.mean_image = Tensor(Shape{1, 4, 5});
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x) o.mean_image[y * 5 + x] = float(10 * y + x + 1);
  check_transform_options(o);
  std::vector<float> out(4);
  for (const bool flip : {false, true}) {
    crop_normalize(from_mat(positional_grey(4, 5)), o, 2, 3, flip, {}, out.data());
    EXPECT_EQ(out, (std::vector<float>{-1, -1, -1, -1})) << flip;
  }
}

// Resize (area when shrinking) and centre crop of a grey image, against OpenCV by hand.
TEST(ImageTransform, GreyEvaluationIsResizeAndCentreCrop) {
  ImageTransformOptions o = grey(4);
  o.scale_min = o.scale_max = 8;
  o.channel_mean = {100, 0, 0};
  const cv::Mat image = positional_grey(16, 24);
  cv::Mat resized;
  cv::resize(image, resized, cv::Size(12, 8), 0, 0, cv::INTER_AREA);
  std::vector<float> out(16);
  transform_image(from_mat(image), o, draw_sample(o, false, 1, 2, 3), out.data());
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      EXPECT_EQ(at(out, 4, 0, y, x), float(resized.at<uint8_t>(2 + y, 4 + x)) - 100) << y << x;
}

// A grey image as three equal channels through the colour transform gives three copies of the
// grey transform's plane, with the same draws (random crops, flips, scale jitter, area crops).
TEST(ImageTransform, GreyTransformEqualsEachPlaneOfTheColourOneOnAGreyImage) {
  cv::Mat grey_image = positional_grey(20, 26), colour_image;
  cv::cvtColor(grey_image, colour_image, cv::COLOR_GRAY2BGR);
  ImageTransformOptions colour;
  colour.scale_min = 12, colour.scale_max = 18, colour.crop = 10;
  colour.channel_mean = {7, 7, 7};
  colour.scale = 0.25f;
  for (const bool area : {false, true}) {
    colour.area_crop.enabled = area;
    ImageTransformOptions one = colour;
    one.channels = 1;
    one.channel_mean = {7, 0, 0};
    for (int64_t index = 0; index < 8; ++index) {
      const SampleDraw draw = draw_sample(colour, true, 3, 1, index);
      std::vector<float> three(300), single(100);
      transform_image(from_mat(colour_image), colour, draw, three.data());
      transform_image(from_mat(grey_image), one, draw, single.data());
      for (int c = 0; c < 3; ++c)
        for (int k = 0; k < 100; ++k)
          ASSERT_EQ(three[size_t(c * 100 + k)], single[size_t(k)]) << area << index << c << k;
    }
  }
}

TEST(ImageTransform, ColourOnlyOptionsAreErrorsWithOneChannel) {
  ImageTransformOptions o = grey(8);
  o.scale_min = o.scale_max = 8;
  check_transform_options(o);
  ImageTransformOptions bad = o;
  bad.pca_std = 0.1f;
  SVERTKA_EXPECT_THROW_WITH(check_transform_options(bad), ParamError, "1 channel", "PCA");
  bad = o, bad.colour_jitter = 0.4f;
  SVERTKA_EXPECT_THROW_WITH(check_transform_options(bad), ParamError, "1 channel", "jitter");
  bad = o, bad.order = ChannelOrder::kRgb;
  SVERTKA_EXPECT_THROW_WITH(check_transform_options(bad), ParamError, "1 channel", "RGB");
  bad = o, bad.channel_mean = {123.68f, 116.78f, 103.94f};
  SVERTKA_EXPECT_THROW_WITH(check_transform_options(bad), ParamError, "one value");
  bad = o, bad.mean_image = Tensor(Shape{3, 8, 8});
  SVERTKA_EXPECT_THROW_WITH(check_transform_options(bad), ShapeError, "(1,H,W)");
  bad = o, bad.channels = 2;
  SVERTKA_EXPECT_THROW_WITH(check_transform_options(bad), ParamError, "2 channels");
  // An image of the wrong channel count for the options.
  std::vector<float> out(64);
  SVERTKA_EXPECT_THROW_WITH(
      crop_normalize(from_mat(positional(8, 8)), o, 0, 0, false, {}, out.data()), ShapeError,
      "3 channel(s), expected grey");
  SVERTKA_EXPECT_THROW_WITH(
      crop_normalize(from_mat(positional_grey(8, 8)), raw(8), 0, 0, false, {}, out.data()),
      ShapeError, "1 channel(s), expected BGR");
}

}  // namespace
}  // namespace svertka::testing
