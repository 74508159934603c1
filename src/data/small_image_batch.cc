#include "svertka/data/small_image_batch.h"

#include <array>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "svertka/hash.h"

namespace svertka {
namespace {

constexpr uint64_t kGolden = kGoldenGamma;
uint64_t mix(uint64_t z) { return mix64(z); }

// Separate domains keep an epoch's order unrelated to the augmentation of its samples.
enum class Domain : uint64_t { kOrder = 1, kAugment = 2 };

uint64_t key(Domain domain, uint64_t seed, uint64_t epoch, uint64_t index = 0) {
  uint64_t h = mix(static_cast<uint64_t>(domain) * kGolden);
  h = mix(h ^ mix(seed + kGolden));
  h = mix(h ^ mix(epoch + 2 * kGolden));
  return mix(h ^ mix(index + 3 * kGolden));
}

// Uniform in [0, n) without modulo bias, and without std::uniform_int_distribution, whose draws
// differ between standard libraries.
template <class Rng>
uint64_t below(Rng& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;  // 2^64 mod n: the low values that would be over-drawn
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

// A SplitMix64 stream: a few draws per sample, each a pure function of the sample's key.
class SampleRng {
 public:
  explicit SampleRng(uint64_t key) : state_(key) {}
  uint64_t operator()() { return mix(state_ += kGolden); }

 private:
  uint64_t state_;
};

struct Draw {
  int64_t dy = 0, dx = 0;  // crop offset in the padded image, 0..2*pad
  bool flip = false;
};

Draw draw(const SmallImageAugment& augment, uint64_t seed, uint64_t epoch, int64_t index) {
  SampleRng rng(key(Domain::kAugment, seed, epoch, static_cast<uint64_t>(index)));
  const auto span = static_cast<uint64_t>(2 * augment.pad + 1);
  Draw d;
  d.dy = static_cast<int64_t>(below(rng, span));
  d.dx = static_cast<int64_t>(below(rng, span));
  d.flip = augment.mirror && (rng() >> 63) != 0;
  return d;
}

void check_consistent(const IdxDataset& data, const char* caller, bool need_samples) {
  const IdxImages& im = data.images;
  if (im.count < 0 || im.rows <= 0 || im.cols <= 0 ||
      im.pixels.size() != static_cast<size_t>(im.count * im.rows * im.cols) ||
      data.labels.size() != static_cast<size_t>(im.count))
    throw DataError(
        std::string(caller) + ": the dataset is inconsistent: " + std::to_string(im.count) +
        " images of " + std::to_string(im.rows) + "x" + std::to_string(im.cols) + " with " +
        std::to_string(im.pixels.size()) + " pixels and " + std::to_string(data.labels.size()) +
        " labels; expected count*rows*cols pixels and count labels");
  if (need_samples && im.count == 0)
    throw DataError(std::string(caller) + ": the dataset is empty");
}

std::array<int64_t, 256> histogram(const IdxDataset& data) {
  std::array<int64_t, 256> counts{};
  for (const uint8_t p : data.images.pixels) ++counts[p];
  return counts;
}

double histogram_mean(const std::array<int64_t, 256>& counts, double scale, double n) {
  double sum = 0;
  for (int v = 0; v < 256; ++v) sum += double(counts[size_t(v)]) * v;
  return sum * scale / n;
}

}  // namespace

float mean_pixel(const IdxDataset& data, float scale) {
  check_consistent(data, "mean_pixel", true);
  const double n = double(data.images.pixels.size());
  return static_cast<float>(histogram_mean(histogram(data), scale, n));
}

std::vector<float> mean_image(const IdxDataset& data, float scale) {
  check_consistent(data, "mean_image", true);
  const auto plane = static_cast<size_t>(data.images.rows * data.images.cols);
  std::vector<int64_t> sums(plane, 0);
  const uint8_t* pixels = data.images.pixels.data();
  for (int64_t i = 0; i < data.images.count; ++i, pixels += plane)
    for (size_t p = 0; p < plane; ++p) sums[p] += pixels[p];
  std::vector<float> mean(plane);
  for (size_t p = 0; p < plane; ++p)
    mean[p] = static_cast<float>(double(sums[p]) * scale / double(data.images.count));
  return mean;
}

float pixel_stddev(const IdxDataset& data, float scale) {
  check_consistent(data, "pixel_stddev", true);
  const auto counts = histogram(data);
  const double n = double(data.images.pixels.size());
  const double mean = histogram_mean(counts, scale, n);
  double sum_sq = 0;
  for (int v = 0; v < 256; ++v) {
    const double d = v * double(scale) - mean;
    sum_sq += double(counts[size_t(v)]) * d * d;
  }
  return static_cast<float>(std::sqrt(sum_sq / n));
}

namespace {

void check_batch(const IdxDataset& data, std::span<const int64_t> indices,
                 const Normalization& norm, int64_t pad, const Tensor& images,
                 const Tensor& labels) {
  check_consistent(data, "fill_batch", false);
  const int64_t batch = static_cast<int64_t>(indices.size());
  const int64_t rows = data.images.rows, cols = data.images.cols, plane = rows * cols;
  const Shape images_shape{batch, 1, rows, cols}, labels_shape{batch};
  if (images.shape() != images_shape)
    throw ShapeError("fill_batch: images tensor is " + images.shape().str() + ", expected " +
                     images_shape.str() + " (B,1,rows,cols) for " + std::to_string(batch) +
                     " samples of " + std::to_string(rows) + "x" + std::to_string(cols));
  if (labels.shape() != labels_shape)
    throw ShapeError("fill_batch: labels tensor is " + labels.shape().str() + ", expected " +
                     labels_shape.str() + " (B) for " + std::to_string(batch) + " samples");
  if (!norm.mean_image.empty() && static_cast<int64_t>(norm.mean_image.size()) != plane)
    throw ShapeError("fill_batch: mean_image has " + std::to_string(norm.mean_image.size()) +
                     " values, expected rows*cols = " + std::to_string(plane));
  if (!(norm.stddev > 0))
    throw ParamError("fill_batch: stddev must be positive, got " + std::to_string(norm.stddev));
  if (pad < 0) throw ParamError("fill_batch: pad must be non-negative, got " + std::to_string(pad));
  for (int64_t b = 0; b < batch; ++b)
    if (indices[size_t(b)] < 0 || indices[size_t(b)] >= data.size())
      throw ParamError("fill_batch: index " + std::to_string(indices[size_t(b)]) +
                       " at batch position " + std::to_string(b) +
                       " is out of range for a dataset of " + std::to_string(data.size()) +
                       " samples");
}

// Sample `index` as the crop at (d.dy, d.dx) of its image padded by `pad`, normalised, into dst.
void copy_sample(const IdxDataset& data, int64_t index, const Normalization& norm, int64_t pad,
                 const Draw& d, float* dst) {
  const int64_t rows = data.images.rows, cols = data.images.cols, plane = rows * cols;
  const uint8_t* src = data.images.pixels.data() + index * plane;
  const float* mean_image = norm.mean_image.empty() ? nullptr : norm.mean_image.data();
  // Output (y, x) is the crop's (y, x') with x' = x or its mirror, i.e. the padded image's
  // (y + dy, x' + dx), i.e. the source's (y + dy - pad, x' + dx - pad).
  for (int64_t y = 0; y < rows; ++y) {
    const int64_t sy = y + d.dy - pad;
    for (int64_t x = 0; x < cols; ++x) {
      const int64_t sx = (d.flip ? cols - 1 - x : x) + d.dx - pad;
      const bool inside = sy >= 0 && sy < rows && sx >= 0 && sx < cols;
      const float raw = inside ? float(src[sy * cols + sx]) : 0.0f;
      const float mean = mean_image ? mean_image[y * cols + x] : norm.mean;
      dst[y * cols + x] = (raw * norm.scale - mean) / norm.stddev;
    }
  }
}

}  // namespace

void fill_batch(const IdxDataset& data, std::span<const int64_t> indices, const Normalization& norm,
                const SmallImageAugment& augment, uint64_t seed, uint64_t epoch, Tensor& images,
                Tensor& labels) {
  check_batch(data, indices, norm, augment.pad, images, labels);
  const int64_t batch = static_cast<int64_t>(indices.size());
  const int64_t plane = data.images.rows * data.images.cols;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t index = indices[size_t(b)];
    copy_sample(data, index, norm, augment.pad, draw(augment, seed, epoch, index),
                images.data() + b * plane);
    labels[b] = float(data.labels[size_t(index)]);
  }
}

void fill_batch_view(const IdxDataset& data, std::span<const int64_t> indices,
                     const Normalization& norm, const SmallImageView& view, Tensor& images,
                     Tensor& labels) {
  check_batch(data, indices, norm, view.pad, images, labels);
  const int64_t span = 2 * view.pad;
  if (view.dy < 0 || view.dy > span || view.dx < 0 || view.dx > span)
    throw ParamError("fill_batch_view: offset (" + std::to_string(view.dy) + ", " +
                     std::to_string(view.dx) + ") lies outside 0.." + std::to_string(span) +
                     " for pad " + std::to_string(view.pad));
  const int64_t batch = static_cast<int64_t>(indices.size());
  const int64_t plane = data.images.rows * data.images.cols;
  const Draw d{.dy = view.dy, .dx = view.dx, .flip = view.flip};
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t index = indices[size_t(b)];
    copy_sample(data, index, norm, view.pad, d, images.data() + b * plane);
    labels[b] = float(data.labels[size_t(index)]);
  }
}

std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, uint64_t epoch) {
  if (size < 0)
    throw ParamError("epoch_order: size must be non-negative, got " + std::to_string(size));
  std::vector<int64_t> order(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) order[size_t(i)] = i;
  std::mt19937_64 rng(key(Domain::kOrder, seed, epoch));
  for (int64_t i = size - 1; i > 0; --i)
    std::swap(order[size_t(i)], order[below(rng, uint64_t(i) + 1)]);
  return order;
}

}  // namespace svertka
