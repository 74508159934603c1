// Test-time views of image files: each sample decoded once while its views last (the images of the
// last fill are kept for the next one, so a sample whose views span passes is not decoded again;
// one source is therefore for one evaluation at a time) (to the source's channels: BGR,
// or grey for a greyscale model), resized so its shorter side is the view's scale (or warped to
// SxS, as the source was configured), then cropped: a position of the 10-crop, one of GoogLeNet's
// 144 (a square of side S, cropped or resized whole), or the whole image for dense evaluation
// (which subtracts the channel means: a mean image has one size).
#pragma once

#include <map>
#include <utility>

#include "svertka/data/image_source.h"
#include "svertka/eval/views.h"

namespace svertka {

class ImageViewSource final : public ViewSource {
 public:
  explicit ImageViewSource(const ImageBatchSource& source) : source_(source) {}  // must outlive

  int64_t size() const override { return source_.size(); }
  int64_t num_classes() const override { return source_.num_classes(); }
  Shape crop_shape() const override { return source_.sample_shape(); }
  Shape whole_shape(int64_t index, const View& view) const override;
  // DataError naming the file for an image that cannot be read; ShapeError for a crop larger than
  // the resized image.
  void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const override;

 private:
  int64_t scale_of(const View& view) const;
  // Sample `index` decoded and resized for `scale`, from the cache or into it.
  const Image& resized(int64_t index, int64_t scale) const;
  Image decode_resized(int64_t index, int64_t scale) const;
  // Decodes the images `items` need that the cache lacks, in parallel; drops the others.
  void decode_all(std::span<const SampleView> items) const;
  // One view (C, h, w) into dst from its cached image.
  void fill_view(const SampleView& item, float* dst, int64_t per_view) const;

  const ImageBatchSource& source_;
  mutable std::map<std::pair<int64_t, int64_t>, Image> cache_;  // (index, S) -> resized image
};

}  // namespace svertka
