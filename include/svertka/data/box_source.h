// A BatchSource over a box dataset: images transformed as ImageBatchSource does (image_transform.h),
// and their ground-truth boxes moved with them, as regression targets in [0, 1] units of the crop.
#pragma once

#include "svertka/data/batch_source.h"
#include "svertka/data/box_annotation.h"
#include "svertka/data/image_source.h"

namespace svertka {

class BoxBatchSource final : public BatchSource {
 public:
  // ParamError for invalid transform options, DataError for an empty list.
  BoxBatchSource(BoxList list, ImageSourceOptions options);

  int64_t size() const override { return list_.size(); }
  Shape sample_shape() const override { return Shape{channels(), crop(), crop()}; }
  int64_t num_classes() const override { return list_.images.num_classes; }
  void fill(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
            Tensor& images, Tensor& labels) const override;
  // The first ground-truth box of each sample, as fill_boxes gives it.
  int64_t target_width() const override { return 4; }
  void fill_with_targets(std::span<const int64_t> indices, bool augment, uint64_t seed,
                         uint64_t epoch, Tensor& images, Tensor& labels,
                         Tensor& targets) const override {
    fill_boxes(indices, augment, seed, epoch, images, labels, targets);
  }

  // fill, plus targets (B,4): the first ground-truth box of each sample, in [0, 1] units of the
  // crop, and every ground-truth box (crop pixels) per sample in `truth` when not null. DataError
  // naming the image for a box outside it.
  void fill_boxes(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
                  Tensor& images, Tensor& labels, Tensor& targets,
                  std::vector<std::vector<Box>>* truth = nullptr) const;

  const BoxList& list() const { return list_; }

 private:
  int64_t crop() const { return options_.transform.crop; }
  int64_t channels() const { return options_.transform.channels; }

  BoxList list_;
  ImageSourceOptions options_;
};

}  // namespace svertka
