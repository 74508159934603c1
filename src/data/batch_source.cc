#include "svertka/data/batch_source.h"

namespace svertka {

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

}  // namespace svertka
