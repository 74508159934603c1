// svertka::Image (svertka/data/image.h) and its conversions to and from OpenCV (data/image_cv.h).
#include "svertka/data/image.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "data/image_cv.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

TEST(Image, OwnsZeroedPackedPixels) {
  const Image image(3, 4, 3);
  EXPECT_FALSE(image.empty());
  EXPECT_EQ(image.stride(), 12);
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 12; ++x) ASSERT_EQ(image.row(y)[x], 0);
  EXPECT_TRUE(Image().empty());
  EXPECT_THROW(Image(2, 2, 2), ShapeError);
  EXPECT_THROW(Image(-1, 2, 3), ShapeError);
  EXPECT_THROW(Image(std::shared_ptr<uint8_t>(), 2, 4, 3, 11), ShapeError);  // rows overlap
}

TEST(Image, WrapsAMatWithoutCopyingAndKeepsItsBufferAlive) {
  Image image;
  const uint8_t* pixels = nullptr;
  {
    cv::Mat mat(5, 7, CV_8UC3, cv::Scalar(1, 2, 3));
    pixels = mat.data;
    image = from_mat(mat);
  }  // the Mat is gone, its buffer is not
  EXPECT_EQ(image.data(), pixels);
  EXPECT_EQ(image.height(), 5);
  EXPECT_EQ(image.width(), 7);
  EXPECT_EQ(image.channels(), 3);
  EXPECT_EQ(image.stride(), 21);
  EXPECT_EQ(image.row(4)[20], 3);
  const cv::Mat back = as_mat(image);
  EXPECT_EQ(back.data, pixels);
  EXPECT_EQ(back.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(back, cv::Mat(5, 7, CV_8UC3, cv::Scalar(1, 2, 3)), cv::NORM_INF), 0);
  const Image empty;
  EXPECT_TRUE(as_mat(empty).empty());
}

TEST(Image, ARegionKeepsItsParentsStride) {
  cv::Mat parent(6, 10, CV_8UC1);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 10; ++x) parent.at<uint8_t>(y, x) = uint8_t(10 * y + x);
  const cv::Mat roi = parent(cv::Rect(2, 1, 4, 3));  // x, y, width, height
  ASSERT_FALSE(roi.isContinuous());
  const Image image = from_mat(roi);
  EXPECT_EQ(image.stride(), 10);
  EXPECT_EQ(image.row(2)[3], 10 * 3 + 5);
  const cv::Mat back = as_mat(image);
  EXPECT_EQ(back.data, roi.data);
  EXPECT_EQ(back.step[0], 10u);
  EXPECT_EQ(cv::norm(back, roi, cv::NORM_INF), 0);
  // Image::region cuts the same without OpenCV.
  const Image same = from_mat(parent).region(1, 2, 3, 4);
  EXPECT_EQ(same.data(), image.data());
  EXPECT_EQ(same.stride(), 10);
  EXPECT_THROW(image.region(1, 1, 3, 3), ShapeError);
}

TEST(Image, OnlyEightBitGreyOrBgrMats) {
  EXPECT_TRUE(from_mat(cv::Mat()).empty());
  EXPECT_EQ(from_mat(cv::Mat(2, 3, CV_8UC1)).channels(), 1);
  EXPECT_THROW(from_mat(cv::Mat(2, 2, CV_32FC3)), ShapeError);
  EXPECT_THROW(from_mat(cv::Mat(2, 2, CV_8UC4)), ShapeError);
}

}  // namespace
}  // namespace svertka::testing
