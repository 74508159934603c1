// BatchSource: a labelled dataset that fills (images, labels) batches by sample index. Training
// asks for augmented samples; evaluation for plain ones. Sample i's augmentation must depend only
// on (seed, epoch, i), so results never depend on batch composition or thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "svertka/data/caffe_transform.h"
#include "svertka/data/idx.h"
#include "svertka/data/small_image_batch.h"
#include "svertka/tensor.h"

namespace svertka {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t size() const = 0;
  virtual Shape sample_shape() const = 0;  // (C, H, W)
  virtual int64_t num_classes() const = 0;
  // images (B,C,H,W) and labels (B) for indices (B of them); `augment` on for training.
  virtual void fill(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
                    Tensor& images, Tensor& labels) const = 0;

  // Per-sample regression targets the source fills beside the labels (box corners: 4); 0: none.
  virtual int64_t target_width() const { return 0; }
  // fill, plus targets (B, target_width()), moved with the augmentation. Without targets: fill.
  virtual void fill_with_targets(std::span<const int64_t> indices, bool augment, uint64_t seed,
                                 uint64_t epoch, Tensor& images, Tensor& labels,
                                 Tensor& /*targets*/) const {
    fill(indices, augment, seed, epoch, images, labels);
  }
};

// MNIST / Fashion-MNIST: pixels scaled to [0, 1], the training set's mean and standard deviation
// subtracted and divided, random shifts by up to `augment.pad` pixels and flips when augmenting
// (svertka's standardisation); or, constructed with a CaffeTransform, Caffe's transform_param
// ((pixel - mean) * scale, crop_size, mirror) as a Caffe Data layer applies it to the same digits.
class IdxBatchSource final : public BatchSource {
 public:
  IdxBatchSource(IdxDataset data, Normalization normalization, SmallImageAugment augment)
      : data_(std::move(data)), normalization_(std::move(normalization)), augment_(augment) {}
  // ShapeError when the transform does not fit the images (CaffeTransform::output_shape).
  IdxBatchSource(IdxDataset data, CaffeTransform caffe);

  int64_t size() const override { return data_.size(); }
  Shape sample_shape() const override;
  int64_t num_classes() const override { return 10; }
  void fill(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
            Tensor& images, Tensor& labels) const override;
  const IdxDataset& dataset() const { return data_; }
  const Normalization& normalization() const { return normalization_; }
  // Set: Caffe's transform replaces the normalisation and the augmentation.
  const std::optional<CaffeTransform>& caffe_transform() const { return caffe_; }
  // Caffe's transform of sample `index` at offset (y0, x0), flipped or not, into dst.
  void fill_caffe(std::span<const int64_t> indices, const CaffeTransform::Draw& draw,
                  Tensor& images, Tensor& labels) const;

 private:
  IdxDataset data_;
  Normalization normalization_;
  SmallImageAugment augment_;
  std::optional<CaffeTransform> caffe_;
};

struct IdxSplit {
  std::unique_ptr<BatchSource> train, test;
};

// What is subtracted from every pixel: the training set's mean pixel value (per channel; one
// channel here) or its mean image (per pixel, as Caffe's mean file). Either way the result is
// divided by the training set's pixel standard deviation.
enum class MeanSubtraction { kPerChannel, kPerPixel };

// The train-* and t10k-* files of `folder`, normalised by the training set's statistics.
IdxSplit load_idx_split(const std::string& folder, const SmallImageAugment& augment,
                        MeanSubtraction mean = MeanSubtraction::kPerChannel);

// The train-* and t10k-* files of `folder` under Caffe's transform (training crops and flips as
// `caffe` says; the test split is centred and unflipped).
IdxSplit load_idx_split(const std::string& folder, const CaffeTransform& caffe);

// The t10k-* files of `folder` alone (the train-* files may be absent), normalised by
// `normalization` (recorded with the weights) or transformed by `caffe` when set.
std::unique_ptr<IdxBatchSource> load_idx_test(const std::string& folder,
                                              const Normalization& normalization,
                                              const std::optional<CaffeTransform>& caffe);

}  // namespace svertka
