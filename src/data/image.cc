#include "svertka/data/image.h"

#include <string>
#include <utility>

#include "svertka/error.h"

namespace svertka {
namespace {

void check_image_size(int64_t height, int64_t width, int64_t channels, int64_t stride) {
  if (height < 0 || width < 0 || (channels != 1 && channels != 3) || stride < width * channels)
    throw ShapeError("image: " + std::to_string(height) + "x" + std::to_string(width) + " with " +
                     std::to_string(channels) + " channel(s) and rows " + std::to_string(stride) +
                     " bytes apart; expected a size >= 0, 1 or 3 channels and rows at least " +
                     "width x channels bytes apart");
}

}  // namespace

Image::Image(int64_t height, int64_t width, int64_t channels)
    : height_(height), width_(width), channels_(channels), stride_(width * channels) {
  check_image_size(height, width, channels, stride_);
  pixels_ = std::shared_ptr<uint8_t>(new uint8_t[size_t(height * stride_)](),
                                     std::default_delete<uint8_t[]>());
}

Image::Image(std::shared_ptr<uint8_t> pixels, int64_t height, int64_t width, int64_t channels,
             int64_t stride)
    : pixels_(std::move(pixels)),
      height_(height),
      width_(width),
      channels_(channels),
      stride_(stride) {
  check_image_size(height, width, channels, stride);
}

Image Image::region(int64_t y, int64_t x, int64_t height, int64_t width) const {
  if (y < 0 || x < 0 || height < 0 || width < 0 || y + height > height_ || x + width > width_)
    throw ShapeError("image: a " + std::to_string(height) + "x" + std::to_string(width) +
                     " region at (" + std::to_string(y) + ", " + std::to_string(x) +
                     ") does not fit a " + std::to_string(height_) + "x" + std::to_string(width_) +
                     " image");
  return Image(std::shared_ptr<uint8_t>(pixels_, pixels_.get() + y * stride_ + x * channels_),
               height, width, channels_, stride_);
}

}  // namespace svertka
