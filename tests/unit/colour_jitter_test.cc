// GoogLeNet's photometric distortions (svertka/data/colour_jitter.h).
#include "svertka/data/colour_jitter.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <set>

#include "data/image_cv.h"
#include "svertka/data/image_transform.h"

namespace svertka::testing {
namespace {

cv::Mat colourful() {
  cv::Mat image(8, 8, CV_8UC3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(20 * x), uint8_t(20 * y), uint8_t(100 + x + y));
  return image;
}

TEST(ColourJitter, FactorsStayWithinTheStrengthAndEveryOrderOccurs) {
  std::set<std::array<uint8_t, 3>> orders;
  for (int i = 0; i < 600; ++i) {
    const double u = (i % 100) / 100.0;
    const ColourJitterDraw d = colour_jitter_draw(0.4f, {u, 1 - u - 1e-9, 0.5}, uint64_t(i));
    for (const float f : d.factors) {
      EXPECT_GE(f, 0.6f);
      EXPECT_LE(f, 1.4f);
    }
    orders.insert(d.order);
  }
  EXPECT_EQ(orders.size(), 6u);
}

TEST(ColourJitter, UnitFactorsLeaveTheImageAndBrightnessScalesIt) {
  const cv::Mat image = colourful();
  const Image same = colour_jitter(from_mat(image), {});
  EXPECT_EQ(cv::norm(image, as_mat(same), cv::NORM_INF), 0);
  const Image darker_image = colour_jitter(from_mat(image), {.factors = {0.5f, 1, 1}});
  const cv::Mat darker = as_mat(darker_image);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x)
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(darker.at<cv::Vec3b>(y, x)[c], image.at<cv::Vec3b>(y, x)[c] * 0.5, 0.51);
}

TEST(ColourJitter, ZeroSaturationGivesGrey) {
  const Image grey_image = colour_jitter(from_mat(colourful()), {.factors = {1, 1, 0}});
  const cv::Mat grey = as_mat(grey_image);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) {
      const cv::Vec3b p = grey.at<cv::Vec3b>(y, x);
      EXPECT_LE(std::abs(p[0] - p[1]) + std::abs(p[1] - p[2]), 1);
    }
}

TEST(ColourJitter, DrawnOnlyWhenTrainingWithAStrength) {
  ImageTransformOptions o;
  EXPECT_FALSE(draw_sample(o, true, 1, 0, 5).jitter);
  o.colour_jitter = 0.4f;
  EXPECT_TRUE(draw_sample(o, true, 1, 0, 5).jitter);
  EXPECT_FALSE(draw_sample(o, false, 1, 0, 5).jitter);
}

}  // namespace
}  // namespace svertka::testing
