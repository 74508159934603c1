#include "svertka/data/image_transform.h"

#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>
#include <string>
#include <utility>

#include "data/image_cv.h"
#include "svertka/error.h"
#include "svertka/hash.h"

namespace svertka {
namespace {

// Its own domain, so that image augmentation is unrelated to the epoch order and to the small-
// image augmentation of the same (seed, epoch, index).
constexpr uint64_t kDomain = 0x1a6e;

class SampleRng {
 public:
  SampleRng(uint64_t seed, uint64_t epoch, uint64_t index) {
    uint64_t h = mix64(kDomain * kGoldenGamma);
    h = mix64(h ^ mix64(seed + kGoldenGamma));
    h = mix64(h ^ mix64(epoch + 2 * kGoldenGamma));
    state_ = mix64(h ^ mix64(index + 3 * kGoldenGamma));
  }
  uint64_t next() { return mix64(state_ += kGoldenGamma); }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // Uniform in [0, n) without modulo bias.
  uint64_t below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }
  double normal() {  // Box-Muller; 1 - uniform() is in (0, 1]
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    return radius * std::cos(2.0 * std::numbers::pi * uniform());
  }

 private:
  uint64_t state_ = 0;
};

int64_t mapped_offset(int64_t offset, int64_t size, int64_t mean_size, int64_t crop) {
  if (size == mean_size) return offset;
  if (size == crop) return (mean_size - crop) / 2;
  return static_cast<int64_t>(
      std::lround(double(offset) * double(mean_size - crop) / double(size - crop)));
}

// Area averaging where bilinear would alias (shrinking 2x or more: a PNG, or a JPEG too small to be
// decoded reduced), bilinear otherwise: several times faster, and what libjpeg's DCT scaling
// leaves is always less than 2x.
Image resize_to(const Image& bgr, int64_t height, int64_t width) {
  if (height == bgr.height() && width == bgr.width()) return bgr;
  const bool big_shrink = 2 * height <= bgr.height() && 2 * width <= bgr.width();
  cv::Mat resized;
  cv::resize(as_mat(bgr), resized, cv::Size(int(width), int(height)), 0, 0,
             big_shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  return from_mat(std::move(resized));
}

Image resize_patch(const Image& bgr, const CropBox& box, int64_t crop) {
  return resize_to(bgr.region(box.y, box.x, box.height, box.width), crop, crop);
}

// The planes of dst (kChannels,crop,crop) from the crop at (y0, x0) of an image of kChannels
// interleaved channels (BGR, or grey).
template <int kChannels>
void normalize_planes(const Image& resized, const ImageTransformOptions& options, int64_t y0,
                      int64_t x0, bool flip, const std::array<float, 3>& shift_rgb, float* dst) {
  const int64_t crop = options.crop, plane = crop * crop;
  const int64_t height = resized.height(), width = resized.width();
  const float scale = options.scale;
  const bool mean_image = options.mean_image.defined();
  int64_t my = 0, mx = 0, mean_width = 0, mean_plane = 0;
  if (mean_image) {
    const Shape& s = options.mean_image.shape();
    my = mapped_offset(y0, height, s[1], crop);
    mx = mapped_offset(x0, width, s[2], crop);
    mean_width = s[2], mean_plane = s[1] * s[2];
  }
  for (int c = 0; c < kChannels; ++c) {
    // The image's channel read into plane c, and its index among R, G, B (grey: 0).
    const int bgr = kChannels == 1 || options.order == ChannelOrder::kBgr ? c : 2 - c;
    const int rgb = kChannels == 1 ? 0 : 2 - bgr;
    float* out = dst + c * plane;
    const float offset = shift_rgb[size_t(rgb)] - options.channel_mean[size_t(rgb)];
    for (int64_t y = 0; y < crop; ++y) {
      const uint8_t* row = resized.row(y0 + y) + x0 * kChannels + bgr;
      float* out_row = out + y * crop;
      if (mean_image) {
        // The mean is taken at the same source pixel as the data, then flipped with it (Caffe).
        const float* mean_row =
            options.mean_image.data() + rgb * mean_plane + (my + y) * mean_width + mx;
        for (int64_t x = 0; x < crop; ++x) {
          const int64_t sx = flip ? crop - 1 - x : x;
          out_row[x] = (float(row[sx * kChannels]) + shift_rgb[size_t(rgb)] - mean_row[sx]) * scale;
        }
      } else if (flip) {
        for (int64_t x = 0; x < crop; ++x)
          out_row[x] = (float(row[(crop - 1 - x) * kChannels]) + offset) * scale;
      } else {
        for (int64_t x = 0; x < crop; ++x)
          out_row[x] = (float(row[x * kChannels]) + offset) * scale;
      }
    }
  }
}

// The options a greyscale transform cannot honour.
void check_grey_options(const ImageTransformOptions& o) {
  const std::string grey = "image transform: the images have 1 channel (a greyscale model); ";
  if (o.pca_std > 0)
    throw ParamError(grey + "PCA colour noise (standard deviation " + std::to_string(o.pca_std) +
                     ") needs 3 channels");
  if (o.colour_jitter > 0)
    throw ParamError(grey + "colour jitter (strength " + std::to_string(o.colour_jitter) +
                     ") needs 3 channels");
  if (o.order != ChannelOrder::kBgr)
    throw ParamError(grey + "the RGB channel order needs 3 channels");
  if (o.channel_mean[1] != 0 || o.channel_mean[2] != 0)
    throw ParamError(grey + "the mean is one value, channel_mean[0]; channel_mean[1] and [2] are " +
                     std::to_string(o.channel_mean[1]) + " and " +
                     std::to_string(o.channel_mean[2]));
}

}  // namespace

void check_transform_options(const ImageTransformOptions& o) {
  if (o.channels != 1 && o.channels != 3)
    throw ParamError("image transform: " + std::to_string(o.channels) +
                     " channels; images are decoded to 1 (grey) or 3 (BGR)");
  if (o.scale_min <= 0 || o.crop <= 0)
    throw ParamError("image transform: scale (" + std::to_string(o.scale_min) + ") and crop (" +
                     std::to_string(o.crop) + ") must be positive");
  if (o.scale_max < o.scale_min)
    throw ParamError("image transform: the largest scale " + std::to_string(o.scale_max) +
                     " is below the smallest " + std::to_string(o.scale_min));
  if (o.crop > o.scale_min)
    throw ParamError("image transform: crop " + std::to_string(o.crop) +
                     " is larger than the resized image (scale " + std::to_string(o.scale_min) +
                     ")");
  if (!(o.pca_std >= 0))
    throw ParamError("image transform: the PCA colour standard deviation must be >= 0");
  if (!(o.colour_jitter >= 0 && o.colour_jitter <= 1))
    throw ParamError("image transform: the colour jitter strength " +
                     std::to_string(o.colour_jitter) + " is outside [0, 1]");
  if (o.area_crop.enabled) check_area_crop_options(o.area_crop);
  if (o.channels == 1) check_grey_options(o);
  if (o.mean_image.defined()) {
    const Shape& s = o.mean_image.shape();
    if (s.rank() != 3 || s[0] != o.channels || s[1] < o.crop || s[2] < o.crop)
      throw ShapeError("image transform: the mean image is " + s.str() + ", expected (" +
                       std::to_string(o.channels) + ",H,W) with H and W at least the crop " +
                       std::to_string(o.crop));
  }
}

SampleDraw draw_sample(const ImageTransformOptions& options, bool augment, uint64_t seed,
                       uint64_t epoch, int64_t index) {
  SampleDraw d;
  d.scale = options.scale_min;
  if (!augment) return d;
  // A fixed order of draws, whatever is switched off, so that turning on one augmentation does
  // not change the others.
  SampleRng rng(seed, epoch, static_cast<uint64_t>(index));
  d.scale += static_cast<int64_t>(rng.below(uint64_t(options.scale_max - options.scale_min) + 1));
  d.crop_y = rng.uniform();
  d.crop_x = rng.uniform();
  const bool flip = (rng.next() >> 63) != 0;
  d.flip = options.mirror && flip;
  for (float& a : d.alpha) {
    const double z = rng.normal();
    a = static_cast<float>(z * options.pca_std);
  }
  // Drawn after the older choices, which they leave unchanged.
  const uint64_t area_crop_key = rng.next();
  const std::array<double, 3> jitter{rng.uniform(), rng.uniform(), rng.uniform()};
  const uint64_t permutation = rng.below(6);
  if (options.area_crop.enabled) d.area_crop_key = area_crop_key;
  if (options.colour_jitter > 0)
    d.jitter = colour_jitter_draw(options.colour_jitter, jitter, permutation);
  return d;
}

std::array<int64_t, 2> resized_size(const ImageTransformOptions& options, int64_t height,
                                    int64_t width, int64_t scale) {
  if (options.resize == ResizeMode::kWarp || height == width) return {scale, scale};
  if (height < width)
    return {scale, std::max<int64_t>(scale, std::lround(double(width) * scale / double(height)))};
  return {std::max<int64_t>(scale, std::lround(double(height) * scale / double(width))), scale};
}

int64_t crop_offset(double u, int64_t size, int64_t crop) {
  if (u == 0.5) return (size - crop) / 2;
  return std::min(size - crop, static_cast<int64_t>(u * double(size - crop + 1)));
}

std::array<float, 3> pca_shift(const ColourPca& pca, const std::array<float, 3>& alpha) {
  std::array<float, 3> shift{};
  for (int k = 0; k < 3; ++k) {
    double sum = 0;
    for (int i = 0; i < 3; ++i)
      sum += double(pca.eigenvectors[k][i]) * double(alpha[i]) * double(pca.eigenvalues[i]);
    shift[k] = static_cast<float>(255.0 * sum);
  }
  return shift;
}

void crop_normalize(const Image& resized, const ImageTransformOptions& options, int64_t y0,
                    int64_t x0, bool flip, const std::array<float, 3>& shift_rgb, float* dst) {
  const int64_t crop = options.crop;
  const int64_t height = resized.height(), width = resized.width();
  const bool grey = options.channels == 1;
  if (resized.channels() != (grey ? 1 : 3) || y0 < 0 || x0 < 0 || y0 + crop > height ||
      x0 + crop > width)
    throw ShapeError("crop_normalize: a " + std::to_string(crop) + "x" + std::to_string(crop) +
                     " crop at (" + std::to_string(y0) + ", " + std::to_string(x0) +
                     ") does not fit a " + std::to_string(height) + "x" + std::to_string(width) +
                     " image of " + std::to_string(resized.channels()) + " channel(s), expected " +
                     (grey ? "grey" : "BGR"));
  if (grey)
    normalize_planes<1>(resized, options, y0, x0, flip, shift_rgb, dst);
  else
    normalize_planes<3>(resized, options, y0, x0, flip, shift_rgb, dst);
}

Image resize_image(const Image& bgr, const ImageTransformOptions& options, int64_t scale) {
  const auto [height, width] = resized_size(options, bgr.height(), bgr.width(), scale);
  return resize_to(bgr, height, width);
}

void transform_image(const Image& bgr, const ImageTransformOptions& options, const SampleDraw& draw,
                     float* dst) {
  Image image;
  int64_t y0 = 0, x0 = 0;
  if (draw.area_crop_key) {
    image = resize_patch(
        bgr, sample_area_crop(options.area_crop, bgr.height(), bgr.width(), *draw.area_crop_key),
        options.crop);
  } else {
    image = resize_image(bgr, options, draw.scale);
    y0 = crop_offset(draw.crop_y, image.height(), options.crop);
    x0 = crop_offset(draw.crop_x, image.width(), options.crop);
  }
  if (draw.jitter) image = colour_jitter(image, *draw.jitter);
  const std::array<float, 3> shift =
      options.pca_std > 0 ? pca_shift(options.pca, draw.alpha) : std::array<float, 3>{};
  crop_normalize(image, options, y0, x0, draw.flip, shift, dst);
}

}  // namespace svertka
