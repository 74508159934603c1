// A BatchSource over image files (an image folder or a list file): each sample is read, decoded
// (at reduced size where that is enough) to the transform's channels (BGR, or grey for a greyscale
// model) and transformed (image_transform.h) when it is asked for. Samples are
// (channels,crop,crop).
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "svertka/data/batch_source.h"
#include "svertka/data/image_list.h"
#include "svertka/data/image_transform.h"

namespace svertka {

struct ImageSourceOptions {
  ImageTransformOptions transform;
  // An image that cannot be read or decoded is replaced by the next one in the list that can
  // (its augmentation still drawn for the original index) and remembered, instead of failing.
  bool skip_bad = false;
};

class ImageBatchSource final : public BatchSource {
 public:
  // ParamError for invalid transform options, DataError for an empty list.
  ImageBatchSource(ImageList list, ImageSourceOptions options);

  int64_t size() const override { return list_.size(); }
  Shape sample_shape() const override { return Shape{channels(), crop(), crop()}; }
  int64_t num_classes() const override { return list_.num_classes; }
  // Parallel over samples (OpenMP). DataError naming the image's path and where it was listed for
  // an image that cannot be read or decoded, unless skip_bad.
  void fill(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
            Tensor& images, Tensor& labels) const override;

  // One sample into dst (channels,crop,crop); returns its label.
  int64_t load_sample(int64_t index, bool augment, uint64_t seed, uint64_t epoch,
                      float* dst) const;

  const ImageList& list() const { return list_; }
  const ImageSourceOptions& options() const { return options_; }
  // The images skipped so far (skip_bad), sorted, each with the reason.
  std::vector<std::string> bad_images() const;

 private:
  int64_t crop() const { return options_.transform.crop; }
  int64_t channels() const { return options_.transform.channels; }

  ImageList list_;
  ImageSourceOptions options_;
  mutable std::mutex bad_mutex_;
  mutable std::set<std::string> bad_;
};

}  // namespace svertka
