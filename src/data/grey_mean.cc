// A greyscale model's means from the colour statistics (image_stats.h).
#include <array>

#include "svertka/data/image_stats.h"
#include "svertka/error.h"

namespace svertka {
namespace {

constexpr std::array<double, 3> kLuma{0.299, 0.587, 0.114};  // R, G, B (ITU-R BT.601)

}  // namespace

float grey_mean(const std::array<float, 3>& rgb) {
  double sum = 0;
  for (size_t k = 0; k < 3; ++k) sum += kLuma[k] * double(rgb[k]);
  return static_cast<float>(sum);
}

Tensor grey_mean_image(const Tensor& rgb) {
  if (rgb.rank() != 3 || rgb.dim(0) != 3)
    throw ShapeError("grey mean image: the mean image is " + rgb.shape().str() +
                     ", expected (3,H,W) R, G, B planes");
  const int64_t plane = rgb.dim(1) * rgb.dim(2);
  Tensor grey(Shape{1, rgb.dim(1), rgb.dim(2)});
  for (int64_t p = 0; p < plane; ++p)
    grey[p] = grey_mean({rgb[p], rgb[plane + p], rgb[2 * plane + p]});
  return grey;
}

}  // namespace svertka
