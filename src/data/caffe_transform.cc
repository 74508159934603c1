#include "svertka/data/caffe_transform.h"

#include "svertka/error.h"
#include "svertka/hash.h"

namespace svertka {

Shape CaffeTransform::output_shape(int64_t channels, int64_t height, int64_t width,
                                   const std::string& where) const {
  if (force_color && force_gray)
    throw ParamError("transform_param: force_color and force_gray contradict each other");
  if (crop_size < 0) throw ParamError("transform_param: crop_size " + std::to_string(crop_size));
  if (crop_size > height || crop_size > width)
    throw ShapeError(where + ": crop_size " + std::to_string(crop_size) + " is larger than the " +
                     std::to_string(height) + "x" + std::to_string(width) + " image");
  if (mean.defined() && mean.shape() != Shape{channels, height, width})
    throw ShapeError(where + ": the mean " + (mean_source.empty() ? "" : "'" + mean_source + "' ") +
                     "is " + mean.shape().str() + ", the image " +
                     Shape{channels, height, width}.str() + " (Caffe's mean file is the images' size)");
  if (!mean.defined() && !mean_value.empty() && mean_value.size() != 1 &&
      int64_t(mean_value.size()) != channels)
    throw ShapeError(where + ": " + std::to_string(mean_value.size()) + " mean_value for " +
                     std::to_string(channels) + " channels (give 1 or one per channel)");
  return crop_size > 0 ? Shape{channels, crop_size, crop_size} : Shape{channels, height, width};
}

CaffeTransform::Draw CaffeTransform::draw(int64_t height, int64_t width, bool train, uint64_t seed,
                                          uint64_t epoch, int64_t index) const {
  SplitMix64 rng(mix64(mix64(seed ^ 0xCAFFE) ^ mix64(epoch + kGoldenGamma)) ^
                 mix64(uint64_t(index) + 2 * kGoldenGamma));
  Draw d;
  if (crop_size > 0) {
    if (train) {  // Caffe: Rand(H - crop + 1)
      d.y0 = int64_t(rng.uniform() * double(height - crop_size + 1));
      d.x0 = int64_t(rng.uniform() * double(width - crop_size + 1));
    } else {
      d.y0 = (height - crop_size) / 2;
      d.x0 = (width - crop_size) / 2;
    }
  }
  d.flip = mirror && (rng.next() & 1);
  return d;
}

namespace {

template <class T>
void transform(const CaffeTransform& t, const T* src, int64_t channels, int64_t height,
               int64_t width, const CaffeTransform::Draw& d, float* dst) {
  const int64_t out_h = t.crop_size > 0 ? t.crop_size : height;
  const int64_t out_w = t.crop_size > 0 ? t.crop_size : width;
  const float* mean = t.mean.defined() ? t.mean.data() : nullptr;
  for (int64_t c = 0; c < channels; ++c) {
    const float channel_mean =
        mean || t.mean_value.empty() ? 0.f
                                     : t.mean_value[t.mean_value.size() == 1 ? 0 : size_t(c)];
    for (int64_t y = 0; y < out_h; ++y) {
      const int64_t in_row = (c * height + d.y0 + y) * width + d.x0;
      float* out = dst + (c * out_h + y) * out_w;
      for (int64_t x = 0; x < out_w; ++x) {
        const int64_t i = in_row + x;
        const float m = mean ? mean[i] : channel_mean;
        out[d.flip ? out_w - 1 - x : x] = (float(src[i]) - m) * t.scale;
      }
    }
  }
}

}  // namespace

void CaffeTransform::apply(const uint8_t* src, int64_t channels, int64_t height, int64_t width,
                           const Draw& d, float* dst) const {
  transform(*this, src, channels, height, width, d, dst);
}

void CaffeTransform::apply(const float* src, int64_t channels, int64_t height, int64_t width,
                           const Draw& d, float* dst) const {
  transform(*this, src, channels, height, width, d, dst);
}

}  // namespace svertka
