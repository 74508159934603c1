#include "svertka/data/small_image_batch.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

IdxDataset dataset(int64_t count, int64_t rows, int64_t cols, std::vector<uint8_t> pixels,
                   std::vector<uint8_t> labels) {
  IdxDataset data;
  data.images.count = count, data.images.rows = rows, data.images.cols = cols;
  data.images.pixels = std::move(pixels);
  data.labels = std::move(labels);
  return data;
}

IdxDataset random_dataset(int64_t count, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> pixels(static_cast<size_t>(count * rows * cols));
  std::vector<uint8_t> labels(static_cast<size_t>(count));
  for (auto& p : pixels) p = uint8_t(rng());
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = uint8_t(i % 10);
  return dataset(count, rows, cols, std::move(pixels), std::move(labels));
}

Normalization raw_values() {
  Normalization norm;
  norm.scale = 1;
  return norm;
}

// Sample b of a (B,1,H,W) batch, rounded to integers (raw_values() keeps pixels integral).
std::vector<int> sample(const Tensor& images, int64_t b) {
  const int64_t plane = images.dim(2) * images.dim(3);
  std::vector<int> values(static_cast<size_t>(plane));
  for (int64_t i = 0; i < plane; ++i) values[size_t(i)] = int(images[b * plane + i]);
  return values;
}

// One (B,1,H,W) batch of `indices`, returned as the images tensor.
Tensor batch_of(const IdxDataset& data, const std::vector<int64_t>& indices,
                const Normalization& norm, const SmallImageAugment& augment, uint64_t seed,
                uint64_t epoch) {
  const int64_t b = int64_t(indices.size());
  Tensor images(Shape{b, 1, data.images.rows, data.images.cols}), labels(Shape{b});
  fill_batch(data, indices, norm, augment, seed, epoch, images, labels);
  return images;
}

TEST(SmallImageBatch, NormalizesPixels) {
  // Two 1x2 images: {0, 255} and {51, 102}, i.e. {0, 1} and {0.2, 0.4} after scaling by 1/255.
  const IdxDataset data = dataset(2, 1, 2, {0, 255, 51, 102}, {3, 9});
  constexpr float kTolerance = 1e-6f;  // 1/255 is inexact and subtracting the mean cancels digits
  Normalization norm;
  norm.mean = 0.5f, norm.stddev = 0.25f;
  Tensor images(Shape{2, 1, 1, 2}), labels(Shape{2});
  const std::vector<int64_t> indices{1, 0};
  fill_batch(data, indices, norm, {}, 1, 0, images, labels);
  EXPECT_NEAR(images[0], -1.2f, kTolerance);  // (0.2 - 0.5) / 0.25
  EXPECT_NEAR(images[1], -0.4f, kTolerance);
  EXPECT_NEAR(images[2], -2.0f, kTolerance);
  EXPECT_NEAR(images[3], 2.0f, kTolerance);
  EXPECT_EQ(labels[0], 9.0f);
  EXPECT_EQ(labels[1], 3.0f);

  norm.mean_image = {0.1f, 0.2f}, norm.stddev = 0.5f;  // mean_image replaces mean
  fill_batch(data, indices, norm, {}, 1, 0, images, labels);
  EXPECT_NEAR(images[0], 0.2f, kTolerance);  // (0.2 - 0.1) / 0.5
  EXPECT_NEAR(images[1], 0.4f, kTolerance);  // (0.4 - 0.2) / 0.5
  EXPECT_NEAR(images[2], -0.2f, kTolerance);
  EXPECT_NEAR(images[3], 1.6f, kTolerance);

  EXPECT_FLOAT_EQ(mean_pixel(data, 1.0f / 255), 0.4f);
  EXPECT_EQ(mean_image(data, 1.0f / 255).size(), 2u);
  EXPECT_FLOAT_EQ(mean_image(data, 1.0f / 255)[0], 0.1f);
  EXPECT_FLOAT_EQ(mean_image(data, 1.0f / 255)[1], 0.7f);
  // Deviations from 0.4: -0.4, 0.6, -0.2, 0 -> variance 0.56 / 4.
  EXPECT_FLOAT_EQ(pixel_stddev(data, 1.0f / 255), std::sqrt(0.14f));
  EXPECT_FLOAT_EQ(pixel_stddev(data, 1.0f), 255 * std::sqrt(0.14f));
  SVERTKA_EXPECT_THROW_WITH(mean_pixel(dataset(0, 1, 1, {}, {}), 1), DataError, "empty");
}

TEST(SmallImageBatch, AugmentationDependsOnlyOnSeedEpochAndIndex) {
  const IdxDataset data = random_dataset(16, 6, 5, 1);
  SmallImageAugment augment;
  augment.pad = 2, augment.mirror = true;
  std::vector<int64_t> all(16);
  std::iota(all.begin(), all.end(), 0);
  const Tensor reference = batch_of(data, all, raw_values(), augment, 7, 3);

  const std::vector<int64_t> few{9, 3, 3, 14};
  const Tensor small = batch_of(data, few, raw_values(), augment, 7, 3);
  for (size_t b = 0; b < few.size(); ++b)
    EXPECT_EQ(sample(small, int64_t(b)), sample(reference, few[b])) << "position " << b;

  const int threads = omp_get_max_threads();
  omp_set_num_threads(3);
  const auto shuffled = epoch_order(16, 5, 0);
  const Tensor parallel = batch_of(data, shuffled, raw_values(), augment, 7, 3);
  omp_set_num_threads(threads);
  for (size_t b = 0; b < shuffled.size(); ++b)
    EXPECT_EQ(sample(parallel, int64_t(b)), sample(reference, shuffled[b])) << "position " << b;

  auto differing = [&](const Tensor& other) {
    int count = 0;
    for (int64_t i = 0; i < 16; ++i) count += sample(other, i) != sample(reference, i);
    return count;
  };
  EXPECT_GT(differing(batch_of(data, all, raw_values(), augment, 7, 4)), 8) << "another epoch";
  EXPECT_GT(differing(batch_of(data, all, raw_values(), augment, 8, 3)), 8) << "another seed";
  EXPECT_GT(differing(batch_of(data, all, raw_values(), {}, 7, 3)), 8) << "no augmentation";
}

// The 3x3 image of 1..9 shifted so that output (y, x) shows source (y - dy, x - dx), 0 outside.
std::vector<int> shifted(int dy, int dx) {
  std::vector<int> out(9, 0);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) {
      const int sy = y - dy, sx = x - dx;
      if (sy >= 0 && sy < 3 && sx >= 0 && sx < 3) out[size_t(y * 3 + x)] = sy * 3 + sx + 1;
    }
  return out;
}

TEST(SmallImageBatch, CropWithPaddingShiftsImage) {
  // 1 2 3      0 0 0
  // 4 5 6  ->  2 3 0   moved down one and left one: a crop at offset (0, 2) of the padded image
  // 7 8 9      5 6 0
  const std::vector<int> down_left{0, 0, 0, 2, 3, 0, 5, 6, 0};
  ASSERT_EQ(shifted(1, -1), down_left);
  const IdxDataset data = dataset(1, 3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {0});
  SmallImageAugment augment;
  augment.pad = 1;
  std::set<std::pair<int, int>> seen;
  for (uint64_t epoch = 0; epoch < 200; ++epoch) {
    const std::vector<int> out = sample(batch_of(data, {0}, raw_values(), augment, 11, epoch), 0);
    bool matched = false;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        if (out == shifted(dy, dx)) matched = true, seen.insert({dy, dx});
    EXPECT_TRUE(matched) << "epoch " << epoch << ": not a shift of the image by at most one pixel";
  }
  EXPECT_EQ(seen.size(), 9u) << "every shift in -1..1 x -1..1 should occur in 200 epochs";
  EXPECT_TRUE(seen.count({1, -1}));

  // Padding is raw 0, normalised like any pixel.
  Normalization norm;
  norm.scale = 1, norm.mean = 2, norm.stddev = 4;
  for (uint64_t epoch = 0; epoch < 200; ++epoch) {
    const Tensor images = batch_of(data, {0}, raw_values(), augment, 11, epoch);
    if (sample(images, 0) != down_left) continue;
    const Tensor normalized = batch_of(data, {0}, norm, augment, 11, epoch);
    EXPECT_FLOAT_EQ(normalized[0], -0.5f);  // (0 - 2) / 4
    EXPECT_FLOAT_EQ(normalized[3], 0.0f);   // (2 - 2) / 4
    EXPECT_FLOAT_EQ(normalized[7], 1.0f);   // (6 - 2) / 4
    break;
  }
}

TEST(SmallImageBatch, MirrorFlipsRows) {
  const IdxDataset data = dataset(1, 2, 3, {1, 2, 3, 4, 5, 6}, {0});
  const std::vector<int> identity{1, 2, 3, 4, 5, 6}, mirrored{3, 2, 1, 6, 5, 4};
  SmallImageAugment augment;
  augment.mirror = true;
  int flips = 0;
  for (uint64_t epoch = 0; epoch < 64; ++epoch) {
    const std::vector<int> out = sample(batch_of(data, {0}, raw_values(), augment, 2, epoch), 0);
    EXPECT_TRUE(out == identity || out == mirrored) << "epoch " << epoch;
    flips += out == mirrored;
  }
  EXPECT_GT(flips, 16) << "a flip should happen about half the time";
  EXPECT_LT(flips, 48);
}

TEST(SmallImageBatch, EpochOrderIsAPermutationAndDeterministic) {
  const auto order = epoch_order(1000, 1, 0);
  std::vector<int64_t> sorted = order, identity(1000);
  std::sort(sorted.begin(), sorted.end());
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(order, identity);
  EXPECT_EQ(epoch_order(1000, 1, 0), order);
  EXPECT_NE(epoch_order(1000, 1, 1), order);
  EXPECT_NE(epoch_order(1000, 2, 0), order);
  EXPECT_TRUE(epoch_order(0, 1, 0).empty());
  EXPECT_EQ(epoch_order(1, 1, 0), std::vector<int64_t>{0});
  SVERTKA_EXPECT_THROW_WITH(epoch_order(-1, 1, 0), ParamError, "-1");

  // All 6 orders of 3 items, about equally often (a Fisher-Yates off by one reaches only some).
  std::map<std::vector<int64_t>, int> counts;
  for (uint64_t epoch = 0; epoch < 6000; ++epoch) ++counts[epoch_order(3, 9, epoch)];
  EXPECT_EQ(counts.size(), 6u);
  for (const auto& [permutation, count] : counts) {
    EXPECT_GT(count, 850);
    EXPECT_LT(count, 1150);
  }
}

TEST(SmallImageBatch, WrongTensorShapeIsShapeError) {
  const IdxDataset data = random_dataset(4, 3, 2, 3);
  const std::vector<int64_t> indices{0, 1};
  Tensor images(Shape{2, 1, 3, 2}), labels(Shape{2});
  Tensor transposed(Shape{2, 1, 2, 3}), three(Shape{3, 1, 3, 2}), column(Shape{2, 1});
  SVERTKA_EXPECT_THROW_WITH(fill_batch(data, indices, {}, {}, 1, 0, transposed, labels), ShapeError,
                            "images tensor is (2,1,2,3)", "expected (2,1,3,2)");
  SVERTKA_EXPECT_THROW_WITH(fill_batch(data, indices, {}, {}, 1, 0, three, labels), ShapeError,
                            "(3,1,3,2)", "expected (2,1,3,2)");
  SVERTKA_EXPECT_THROW_WITH(fill_batch(data, indices, {}, {}, 1, 0, images, column), ShapeError,
                            "labels tensor is (2,1)", "expected (2)");
  Normalization norm;
  norm.mean_image = {0.5f, 0.5f};
  SVERTKA_EXPECT_THROW_WITH(fill_batch(data, indices, norm, {}, 1, 0, images, labels), ShapeError,
                            "mean_image has 2 values", "6");
  const std::vector<int64_t> outside{0, 4};
  SVERTKA_EXPECT_THROW_WITH(fill_batch(data, outside, {}, {}, 1, 0, images, labels), ParamError,
                            "index 4", "position 1", "4 samples");
  fill_batch(data, indices, {}, {}, 1, 0, images, labels);
  EXPECT_EQ(labels[1], 1.0f);
}

}  // namespace
}  // namespace svertka::testing
