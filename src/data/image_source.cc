#include "svertka/data/image_source.h"

#include <exception>

#include "core/parallel_for.h"
#include "svertka/data/image_decode.h"
#include "svertka/error.h"

namespace svertka {

ImageBatchSource::ImageBatchSource(ImageList list, ImageSourceOptions options)
    : list_(std::move(list)), options_(std::move(options)) {
  check_transform_options(options_.transform);
  if (list_.entries.empty()) throw DataError("image dataset '" + list_.source + "' is empty");
  for (const ImageEntry& e : list_.entries)
    if (e.label < 0 || e.label >= list_.num_classes)
      throw DataError(e.origin + ": label " + std::to_string(e.label) + " of '" + e.path +
                      "' is out of range for " + std::to_string(list_.num_classes) + " classes");
}

int64_t ImageBatchSource::load_sample(int64_t index, bool augment, uint64_t seed, uint64_t epoch,
                                      float* dst) const {
  const ImageTransformOptions& t = options_.transform;
  const SampleDraw draw = draw_sample(t, augment, seed, epoch, index);
  const int64_t n = size();
  for (int64_t attempt = 0; attempt < n; ++attempt) {
    const ImageEntry& entry = list_.entries[size_t((index + attempt) % n)];
    try {
      const std::vector<uint8_t> bytes = read_file_bytes(entry.path);
      // Decoding at 1/k is enough when the result still covers the resize target: S on the
      // shorter side, or SxS when warping; with area crops, the smallest patch still covers the
      // crop.
      const int64_t side =
          draw.area_crop_key ? area_crop_min_side(t.area_crop, t.crop) : draw.scale;
      const Image image = decode_image(bytes, entry.path, side, side, int(t.channels));
      transform_image(image, t, draw, dst);
      return entry.label;
    } catch (const std::exception& e) {
      // Any failure of this one image (unreadable, corrupt, a directory, too large to decode).
      const std::string what = std::string(e.what()) + " (listed at " + entry.origin + ")";
      if (!options_.skip_bad) {
        if (dynamic_cast<const Error*>(&e) && !dynamic_cast<const DataError*>(&e)) throw;
        throw DataError(what.find(entry.path) == std::string::npos ? entry.path + ": " + what
                                                                   : what);
      }
      std::lock_guard<std::mutex> lock(bad_mutex_);
      bad_.insert(e.what());
    }
  }
  throw DataError("image dataset '" + list_.source + "': no image could be decoded");
}

void ImageBatchSource::fill(std::span<const int64_t> indices, bool augment, uint64_t seed,
                            uint64_t epoch, Tensor& images, Tensor& labels) const {
  const int64_t batch = static_cast<int64_t>(indices.size()), c = crop();
  const Shape images_shape{batch, channels(), c, c}, labels_shape{batch};
  if (images.shape() != images_shape || labels.shape() != labels_shape)
    throw ShapeError("image batch: tensors are " + images.shape().str() + " and " +
                     labels.shape().str() + ", expected " + images_shape.str() + " and " +
                     labels_shape.str());
  for (int64_t b = 0; b < batch; ++b)
    if (indices[size_t(b)] < 0 || indices[size_t(b)] >= size())
      throw ParamError("image batch: index " + std::to_string(indices[size_t(b)]) +
                       " is out of range for " + std::to_string(size()) + " images");
  parallel_for_rethrowing(batch, [&](int64_t b) {
    labels[b] = float(load_sample(indices[size_t(b)], augment, seed, epoch,
                                  images.data() + b * channels() * c * c));
  });
}

std::vector<std::string> ImageBatchSource::bad_images() const {
  std::lock_guard<std::mutex> lock(bad_mutex_);
  return {bad_.begin(), bad_.end()};
}

}  // namespace svertka
