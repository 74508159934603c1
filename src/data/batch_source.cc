#include "svertka/data/batch_source.h"

#include "svertka/error.h"

namespace svertka {

IdxBatchSource::IdxBatchSource(IdxDataset data, CaffeTransform caffe)
    : data_(std::move(data)), caffe_(std::move(caffe)) {
  caffe_->output_shape(1, data_.images.rows, data_.images.cols, "IDX images");
}

Shape IdxBatchSource::sample_shape() const {
  if (caffe_) return caffe_->output_shape(1, data_.images.rows, data_.images.cols, "IDX images");
  return Shape{1, data_.images.rows, data_.images.cols};
}

void IdxBatchSource::fill(std::span<const int64_t> indices, bool augment, uint64_t seed,
                          uint64_t epoch, Tensor& images, Tensor& labels) const {
  if (!caffe_) {
    fill_batch(data_, indices, normalization_, augment ? augment_ : SmallImageAugment{}, seed,
               epoch, images, labels);
    return;
  }
  const int64_t rows = data_.images.rows, cols = data_.images.cols;
  const Shape sample = sample_shape();
  const auto batch = static_cast<int64_t>(indices.size());
  if (images.shape() != Shape{batch, sample[0], sample[1], sample[2]} ||
      labels.shape() != Shape{batch})
    throw ShapeError("IDX batch: tensors " + images.shape().str() + " and " +
                     labels.shape().str() + " do not hold " + std::to_string(batch) +
                     " samples of " + sample.str());
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t index = indices[size_t(b)];
    if (index < 0 || index >= data_.size())
      throw ParamError("IDX batch: index " + std::to_string(index) + " is out of range for " +
                       std::to_string(data_.size()) + " samples");
  }
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t index = indices[size_t(b)];
    // Caffe flips whenever `mirror` is set; evaluation (augment off) neither crops at random
    // nor flips, as `caffe test` with mirror off.
    CaffeTransform::Draw d = caffe_->draw(rows, cols, augment, seed, epoch, index);
    if (!augment) d.flip = false;
    caffe_->apply(data_.images.pixels.data() + index * rows * cols, 1, rows, cols, d,
                  images.data() + b * sample.numel());
    labels[b] = float(data_.labels[size_t(index)]);
  }
}

void IdxBatchSource::fill_caffe(std::span<const int64_t> indices, const CaffeTransform::Draw& draw,
                                Tensor& images, Tensor& labels) const {
  if (!caffe_) throw ParamError("IDX batch: no Caffe transform to fill with");
  const int64_t rows = data_.images.rows, cols = data_.images.cols;
  const Shape sample = sample_shape();
  const auto batch = static_cast<int64_t>(indices.size());
  if (images.shape() != Shape{batch, sample[0], sample[1], sample[2]} ||
      labels.shape() != Shape{batch})
    throw ShapeError("IDX views: tensors " + images.shape().str() + " and " +
                     labels.shape().str() + " do not hold " + std::to_string(batch) +
                     " views of " + sample.str());
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t index = indices[size_t(b)];
    if (index < 0 || index >= data_.size())
      throw ParamError("IDX views: index " + std::to_string(index) + " is out of range for " +
                       std::to_string(data_.size()) + " samples");
    caffe_->apply(data_.images.pixels.data() + index * rows * cols, 1, rows, cols, draw,
                  images.data() + b * sample.numel());
    labels[b] = float(data_.labels[size_t(index)]);
  }
}

IdxSplit load_idx_split(const std::string& folder, const SmallImageAugment& augment,
                        MeanSubtraction mean) {
  const IdxSplitPaths paths = find_idx_files(folder);
  IdxDataset train = load_idx_dataset(paths.train_images, paths.train_labels);
  IdxDataset test = load_idx_dataset(paths.test_images, paths.test_labels);
  Normalization norm;
  norm.mean = mean_pixel(train, norm.scale);
  if (mean == MeanSubtraction::kPerPixel) norm.mean_image = mean_image(train, norm.scale);
  norm.stddev = pixel_stddev(train, norm.scale);
  IdxSplit split;
  split.train = std::make_unique<IdxBatchSource>(std::move(train), norm, augment);
  split.test = std::make_unique<IdxBatchSource>(std::move(test), norm, augment);
  return split;
}

IdxSplit load_idx_split(const std::string& folder, const CaffeTransform& caffe) {
  const IdxSplitPaths paths = find_idx_files(folder);
  IdxSplit split;
  split.train = std::make_unique<IdxBatchSource>(
      load_idx_dataset(paths.train_images, paths.train_labels), caffe);
  split.test = std::make_unique<IdxBatchSource>(
      load_idx_dataset(paths.test_images, paths.test_labels), caffe);
  return split;
}

std::unique_ptr<IdxBatchSource> load_idx_test(const std::string& folder,
                                              const Normalization& normalization,
                                              const std::optional<CaffeTransform>& caffe) {
  const IdxSplitPaths paths = find_idx_files(folder, /*test_only=*/true);
  IdxDataset test = load_idx_dataset(paths.test_images, paths.test_labels);
  if (caffe) return std::make_unique<IdxBatchSource>(std::move(test), *caffe);
  return std::make_unique<IdxBatchSource>(std::move(test), normalization, SmallImageAugment{});
}

}  // namespace svertka
