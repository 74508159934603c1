#include "svertka/data/colour_jitter.h"

#include <opencv2/core.hpp>
#include <string>
#include <utility>

#include "data/image_cv.h"
#include "svertka/error.h"

namespace svertka {

ColourJitterDraw colour_jitter_draw(float strength, const std::array<double, 3>& uniforms,
                                    uint64_t permutation) {
  static constexpr std::array<std::array<uint8_t, 3>, 6> kOrders{
      {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}};
  ColourJitterDraw draw;
  for (size_t i = 0; i < 3; ++i)
    draw.factors[i] = 1.0f + strength * static_cast<float>(2.0 * uniforms[i] - 1.0);
  draw.order = kOrders[permutation % kOrders.size()];
  return draw;
}

Image colour_jitter(const Image& bgr, const ColourJitterDraw& draw) {
  if (bgr.channels() != 3)
    throw ShapeError("colour_jitter: expected an 8-bit BGR image, got " +
                     std::to_string(bgr.channels()) + " channel(s)");
  cv::Mat pixels;
  as_mat(bgr).convertTo(pixels, CV_32FC3);
  auto grey = [](const cv::Vec3f& p) { return 0.114f * p[0] + 0.587f * p[1] + 0.299f * p[2]; };
  for (const uint8_t which : draw.order) {
    const float f = draw.factors[which];
    if (which == 0) {
      pixels *= f;
    } else if (which == 1) {
      double sum = 0;
      for (int y = 0; y < pixels.rows; ++y) {
        const cv::Vec3f* row = pixels.ptr<cv::Vec3f>(y);
        for (int x = 0; x < pixels.cols; ++x) sum += grey(row[x]);
      }
      const float mean = static_cast<float>(sum / double(pixels.total()));
      pixels = (pixels - cv::Scalar::all(mean)) * f + cv::Scalar::all(mean);
    } else {
      for (int y = 0; y < pixels.rows; ++y) {
        cv::Vec3f* row = pixels.ptr<cv::Vec3f>(y);
        for (int x = 0; x < pixels.cols; ++x) {
          const float g = grey(row[x]);
          for (int c = 0; c < 3; ++c) row[x][c] = (row[x][c] - g) * f + g;
        }
      }
    }
  }
  cv::Mat out;
  pixels.convertTo(out, CV_8UC3);  // rounds and saturates
  return from_mat(std::move(out));
}

}  // namespace svertka
