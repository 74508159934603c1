#include "data/image_cv.h"

#include <memory>
#include <string>
#include <utility>

#include "svertka/error.h"

namespace svertka {

cv::Mat as_mat(const Image& image) {
  if (image.empty()) return cv::Mat();
  // The Mat only reads what a const Image holds; OpenCV has no header over const pixels.
  return cv::Mat(int(image.height()), int(image.width()), CV_8UC(int(image.channels())),
                 const_cast<uint8_t*>(image.data()), size_t(image.stride()));
}

Image from_mat(cv::Mat mat) {
  if (mat.empty()) return Image();
  if (mat.type() != CV_8UC1 && mat.type() != CV_8UC3)
    throw ShapeError("image: an OpenCV matrix of type " + std::to_string(mat.type()) +
                     ", expected 8-bit grey or BGR (CV_8UC1 or CV_8UC3)");
  const int64_t height = mat.rows, width = mat.cols, channels = mat.channels();
  const auto stride = static_cast<int64_t>(mat.step[0]);
  auto owner = std::make_shared<cv::Mat>(std::move(mat));
  return Image(std::shared_ptr<uint8_t>(owner, owner->data), height, width, channels, stride);
}

}  // namespace svertka
