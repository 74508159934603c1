#include "svertka/eval/tensor_views.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <set>

#include "svertka/data/image_transform.h"
#include "svertka/error.h"

namespace svertka {
namespace {

struct Region {
  int64_t y = 0, x = 0, height = 0, width = 0;
};

// Each of `channels` planes of `src` (stride `src_width`) in `region`, resized to (height, width),
// into `dst` (channels, height, width).
void resize_planes(const float* src, int64_t channels, int64_t src_height, int64_t src_width,
                   Region region, int64_t height, int64_t width, float* dst) {
  const bool big_shrink = 2 * height <= region.height && 2 * width <= region.width;
  for (int64_t c = 0; c < channels; ++c) {
    // OpenCV reads the plane in place; it never writes through this header.
    const cv::Mat plane(int(src_height), int(src_width), CV_32F,
                        const_cast<float*>(src + c * src_height * src_width));
    cv::Mat out(int(height), int(width), CV_32F, dst + c * height * width);
    cv::resize(plane(cv::Rect(int(region.x), int(region.y), int(region.width), int(region.height))),
               out, out.size(), 0, 0, big_shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
}

// `region` of the planes (C, src_height, src_width) into dst (C, region.height, region.width),
// mirrored left to right if `flip`.
void copy_region(const float* src, int64_t channels, int64_t src_height, int64_t src_width,
                 Region region, bool flip, float* dst) {
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < region.height; ++y) {
      const float* row = src + (c * src_height + region.y + y) * src_width + region.x;
      float* out = dst + (c * region.height + y) * region.width;
      if (flip)
        std::reverse_copy(row, row + region.width, out);
      else
        std::copy(row, row + region.width, out);
    }
}

}  // namespace

TensorViewSource::TensorViewSource(const float* data, Shape samples, Shape input, int64_t classes)
    : data_(data), samples_(std::move(samples)), input_(std::move(input)), classes_(classes) {
  if (samples_.rank() != 4 || input_.rank() != 3)
    throw ShapeError("tensor views: samples " + samples_.str() + " and input " + input_.str() +
                     " must be (N,C,H,W) and (C,h,w)");
  if (samples_[1] != input_[0])
    throw ShapeError("tensor views: samples of " + std::to_string(samples_[1]) +
                     " channels, the net takes " + std::to_string(input_[0]));
}

TensorViewSource::Planes TensorViewSource::sample(int64_t index, int64_t scale) const {
  const int64_t channels = samples_[1], height = samples_[2], width = samples_[3];
  const float* own = data_ + index * samples_.numel_from(1);
  if (scale == 0 || scale == std::min(height, width)) return {own, height, width};
  auto& [buffer, planes] = resized_[{index, scale}];
  if (planes.data == nullptr) {
    const auto [h, w] = resized_size(ImageTransformOptions{}, height, width, scale);
    buffer.resize(size_t(channels * h * w));
    resize_planes(own, channels, height, width, {0, 0, height, width}, h, w, buffer.data());
    planes = {buffer.data(), h, w};
  }
  return planes;
}

Shape TensorViewSource::whole_shape(int64_t index, const View& view) const {
  const Planes planes = sample(index, view.scale);
  return Shape{samples_[1], planes.height, planes.width};
}

void TensorViewSource::fill(std::span<const SampleView> items, Tensor& images,
                            Tensor& labels) const {
  const auto batch = static_cast<int64_t>(items.size());
  if (labels.shape() != Shape{batch} || images.rank() != 4 || images.dim(0) != batch)
    throw ShapeError("tensor views: tensors " + images.shape().str() + " and " +
                     labels.shape().str() + " do not hold " + std::to_string(batch) + " views");
  std::set<std::pair<int64_t, int64_t>> used;  // only this fill's resized samples stay
  for (const SampleView& item : items) used.insert({item.index, item.view.scale});
  std::erase_if(resized_, [&](const auto& entry) { return !used.count(entry.first); });
  const int64_t channels = input_[0], crop_h = input_[1], crop_w = input_[2];
  const int64_t per_view = images.numel() / batch;
  std::vector<float> square;
  for (int64_t b = 0; b < batch; ++b) {
    const View& v = items[size_t(b)].view;
    const Planes s = sample(items[size_t(b)].index, v.scale);
    float* dst = images.data() + b * per_view;
    labels[b] = 0;
    Region region{0, 0, s.height, s.width};
    if (v.whole_image) {
      if (per_view != channels * s.height * s.width)
        throw ShapeError("tensor views: a whole sample of " + std::to_string(s.height) + "x" +
                         std::to_string(s.width) + ", the tensor holds " + images.shape().str());
      copy_region(s.data, channels, s.height, s.width, region, v.flip, dst);
      continue;
    }
    if (v.square >= 0) {  // GoogLeNet: left, centre, right (or top, centre, bottom) squares
      const int64_t side = std::min(s.height, s.width);
      const int64_t free = std::max(s.height, s.width) - side;
      const int64_t offset = v.square == 0 ? 0 : v.square == 1 ? free / 2 : free;
      region = s.height > s.width ? Region{offset, 0, side, side} : Region{0, offset, side, side};
      if (v.whole_square) {
        square.resize(size_t(channels * crop_h * crop_w));
        resize_planes(s.data, channels, s.height, s.width, region, crop_h, crop_w, square.data());
        copy_region(square.data(), channels, crop_h, crop_w, {0, 0, crop_h, crop_w}, v.flip, dst);
        continue;
      }
    }
    if (region.height < crop_h || region.width < crop_w)
      throw ShapeError("tensor views: a " + std::to_string(crop_h) + "x" + std::to_string(crop_w) +
                       " crop is larger than sample " + std::to_string(items[size_t(b)].index) +
                       " at scale " + std::to_string(v.scale) + " (" +
                       std::to_string(region.height) + "x" + std::to_string(region.width) + ")");
    region.y += crop_offset(v.crop_y, region.height, crop_h);
    region.x += crop_offset(v.crop_x, region.width, crop_w);
    region.height = crop_h;
    region.width = crop_w;
    copy_region(s.data, channels, s.height, s.width, region, v.flip, dst);
  }
}

}  // namespace svertka
