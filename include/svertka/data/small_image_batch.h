// Float batches from an IdxDataset (MNIST-sized, one channel), with the light augmentation small
// nets train with: a random shift (pad and crop) and a random horizontal flip.
//
// Sample i's augmentation is a pure function of (seed, epoch, dataset index of i), so a batch is
// the same whatever the thread count, the batch it lands in, or its position there.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "svertka/data/idx.h"
#include "svertka/tensor.h"

namespace svertka {

struct SmallImageAugment {
  // Random crop: pad by `pad` pixels of raw value 0 on every side, then crop back to rows x cols at
  // a uniformly drawn offset (a shift by -pad..pad in each direction). 0 = no shift.
  int64_t pad = 0;
  bool mirror = false;  // random horizontal flip (each row reversed), with probability 1/2
};

// value = (raw * scale - mean_image[i]) / stddev where mean_image is given, else
// value = (raw * scale - mean) / stddev. Padding pixels (raw 0) are normalised like any other.
struct Normalization {
  float scale = 1.0f / 255;
  std::vector<float> mean_image;  // rows*cols, in scaled units, indexed by output position
  float mean = 0;                 // one channel; used only when mean_image is empty
  float stddev = 1;
};

// Statistics of raw * scale over every pixel of the dataset; throw DataError if it is empty.
float mean_pixel(const IdxDataset& data, float scale);
std::vector<float> mean_image(const IdxDataset& data, float scale);  // rows*cols
float pixel_stddev(const IdxDataset& data, float scale);             // population stddev

// Fills images (B,1,rows,cols) and labels (B, the label as a float) with the samples `indices`
// (B of them), normalised and augmented for `epoch`. Parallel over samples.
// Throws ShapeError if a tensor's shape differs or mean_image has the wrong size, ParamError for an
// index out of range, a negative pad or a stddev that is not positive.
void fill_batch(const IdxDataset& data, std::span<const int64_t> indices, const Normalization& norm,
                const SmallImageAugment& augment, uint64_t seed, uint64_t epoch, Tensor& images,
                Tensor& labels);

// One fixed view for test-time augmentation: the rows x cols crop at offset (dy, dx), each in
// 0..2*pad, of the image padded by `pad` (dy = dx = pad is the image itself), mirrored or not.
struct SmallImageView {
  int64_t pad = 0, dy = 0, dx = 0;
  bool flip = false;
};

// fill_batch with the same view of every sample instead of random draws.
void fill_batch_view(const IdxDataset& data, std::span<const int64_t> indices,
                     const Normalization& norm, const SmallImageView& view, Tensor& images,
                     Tensor& labels);

// A permutation of 0..size-1: Fisher-Yates over std::mt19937_64 seeded from a hash of (seed,
// epoch). The same on every platform (no std::uniform_int_distribution, whose draws are not).
std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, uint64_t epoch);

}  // namespace svertka
