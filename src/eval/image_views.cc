#include "svertka/eval/image_views.h"

#include <opencv2/imgproc.hpp>
#include <set>

#include "core/parallel_for.h"
#include "data/image_cv.h"
#include "svertka/data/image_decode.h"
#include "svertka/error.h"

namespace svertka {
namespace {

Image decode(const ImageEntry& entry, int64_t scale, int64_t channels) {
  try {
    return decode_image(read_file_bytes(entry.path), entry.path, scale, scale, int(channels));
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + " (listed at " + entry.origin + ")");
  }
}

// GoogLeNet's whole square brought to the crop size.
Image resize_square(const Image& square, int64_t crop) {
  if (square.height() == crop) return square;
  cv::Mat out;
  cv::resize(as_mat(square), out, cv::Size(int(crop), int(crop)), 0, 0,
             square.height() > crop ? cv::INTER_AREA : cv::INTER_LINEAR);
  return from_mat(std::move(out));
}

// The whole image (C,H,W), minus the channel means, scaled, mirrored if asked.
void normalize_whole(const Image& image, const ImageTransformOptions& t, bool flip, float* dst) {
  const int64_t height = image.height(), width = image.width(), channels = t.channels;
  for (int c = 0; c < channels; ++c) {
    // The image's channel (BGR, or the grey one) read into plane c, and its mean.
    const int bgr = channels == 1 || t.order == ChannelOrder::kBgr ? c : 2 - c;
    const float mean = t.channel_mean[size_t(channels == 1 ? 0 : 2 - bgr)];
    for (int64_t y = 0; y < height; ++y) {
      const uint8_t* row = image.row(y) + bgr;
      float* out = dst + (c * height + y) * width;
      for (int64_t x = 0; x < width; ++x)
        out[x] = (float(row[(flip ? width - 1 - x : x) * channels]) - mean) * t.scale;
    }
  }
}

}  // namespace

int64_t ImageViewSource::scale_of(const View& view) const {
  return view.scale > 0 ? view.scale : source_.options().transform.scale_min;
}

Image ImageViewSource::decode_resized(int64_t index, int64_t scale) const {
  const ImageTransformOptions& t = source_.options().transform;
  return resize_image(decode(source_.list().entries.at(size_t(index)), scale, t.channels), t,
                      scale);
}

const Image& ImageViewSource::resized(int64_t index, int64_t scale) const {
  Image& image = cache_[{index, scale}];
  if (image.empty()) image = decode_resized(index, scale);
  return image;
}

Shape ImageViewSource::whole_shape(int64_t index, const View& view) const {
  // The image as fill() will crop it (an EXIF orientation may turn it), kept for that fill.
  const Image& image = resized(index, scale_of(view));
  return Shape{source_.options().transform.channels, image.height(), image.width()};
}

void ImageViewSource::fill(std::span<const SampleView> items, Tensor& images,
                           Tensor& labels) const {
  const int64_t batch = static_cast<int64_t>(items.size());
  if (labels.shape() != Shape{batch} || images.rank() != 4 || images.dim(0) != batch)
    throw ShapeError("image views: tensors " + images.shape().str() + " and " +
                     labels.shape().str() + " do not hold " + std::to_string(batch) + " views");
  decode_all(items);
  const int64_t per_view = images.numel() / batch;
  parallel_for_rethrowing(batch, [&](int64_t b) {  // each view from its cached image
    const SampleView& item = items[size_t(b)];
    labels[b] = float(source_.list().entries.at(size_t(item.index)).label);
    fill_view(item, images.data() + b * per_view, per_view);
  });
}

void ImageViewSource::decode_all(std::span<const SampleView> items) const {
  // Only the images of this fill stay cached for the next.
  std::vector<std::pair<int64_t, int64_t>> missing;
  std::set<std::pair<int64_t, int64_t>> used;
  for (const SampleView& item : items) {
    const std::pair<int64_t, int64_t> key{item.index, scale_of(item.view)};
    if (used.insert(key).second && !cache_.count(key)) missing.push_back(key);
  }
  std::erase_if(cache_, [&](const auto& entry) { return !used.count(entry.first); });
  std::vector<Image> decoded(missing.size());
  parallel_for_rethrowing(int64_t(missing.size()), [&](int64_t i) {
    decoded[size_t(i)] = decode_resized(missing[size_t(i)].first, missing[size_t(i)].second);
  });
  for (size_t i = 0; i < missing.size(); ++i) cache_[missing[i]] = std::move(decoded[i]);
}

void ImageViewSource::fill_view(const SampleView& item, float* dst, int64_t per_view) const {
  const ImageTransformOptions& t = source_.options().transform;
  const int64_t crop = t.crop;
  const ImageEntry& entry = source_.list().entries.at(size_t(item.index));
  const View& v = item.view;
  const int64_t scale = scale_of(v);
  const Image& image = cache_.at({item.index, scale});
  if (v.whole_image) {
    if (per_view != t.channels * image.height() * image.width())
      throw ShapeError("image views: " + entry.path + " is " + std::to_string(image.height()) +
                       "x" + std::to_string(image.width()) + " at scale " + std::to_string(scale) +
                       ", a view of the tensor holds " + std::to_string(per_view) + " values");
    normalize_whole(image, t, v.flip, dst);
    return;
  }
  Image region = image;
  if (v.square >= 0) {  // GoogLeNet: left, centre, right (or top, centre, bottom) squares
    const int64_t side = std::min(image.height(), image.width());
    const int64_t free = std::max(image.height(), image.width()) - side;
    const int64_t offset = v.square == 0 ? 0 : v.square == 1 ? free / 2 : free;
    region = image.height() > image.width() ? image.region(offset, 0, side, side)
                                            : image.region(0, offset, side, side);
    if (v.whole_square) region = resize_square(region, crop);
  }
  if (region.height() < crop || region.width() < crop)
    throw ShapeError("image views: a " + std::to_string(crop) + "x" + std::to_string(crop) +
                     " crop is larger than " + entry.path + " at scale " + std::to_string(scale) +
                     " (" + std::to_string(region.height()) + "x" +
                     std::to_string(region.width()) + ")");
  crop_normalize(region, t, crop_offset(v.crop_y, region.height(), crop),
                 crop_offset(v.crop_x, region.width(), crop), v.flip, {0, 0, 0}, dst);
}

}  // namespace svertka
