#include "svertka/data/image_stats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka {
namespace {

constexpr const char* kFormat = "svertka-image-stats";
constexpr const char* kVersion = "1";

}  // namespace

ImageStatsAccumulator::ImageStatsAccumulator(int64_t height, int64_t width)
    : height_(height), width_(width), pixel_sums_(static_cast<size_t>(height * width * 3), 0) {}

void ImageStatsAccumulator::add(const Image& bgr) {
  if (bgr.channels() != 3 || bgr.height() != height_ || bgr.width() != width_)
    throw ShapeError("image statistics: got a " + std::to_string(bgr.height()) + "x" +
                     std::to_string(bgr.width()) + " image with " + std::to_string(bgr.channels()) +
                     " channels, expected " + std::to_string(height_) + "x" +
                     std::to_string(width_) + " BGR");
  std::array<uint64_t, 3> sums{};
  std::array<std::array<uint64_t, 3>, 3> products{};
  for (int64_t y = 0; y < height_; ++y) {
    const uint8_t* row = bgr.row(y);
    uint64_t* out = pixel_sums_.data() + y * width_ * 3;
    for (int64_t x = 0; x < width_; ++x) {
      const uint8_t* p = row + 3 * x;
      for (int a = 0; a < 3; ++a) {
        out[3 * x + a] += p[a];
        sums[size_t(a)] += p[a];
        for (int b = a; b < 3; ++b) products[size_t(a)][size_t(b)] += uint32_t(p[a]) * p[b];
      }
    }
  }
  for (int a = 0; a < 3; ++a) {
    sums_[size_t(a)] += sums[size_t(a)];
    for (int b = a; b < 3; ++b) products_[size_t(a)][size_t(b)] += products[size_t(a)][size_t(b)];
  }
  ++images_;
}

void ImageStatsAccumulator::merge(const ImageStatsAccumulator& other) {
  if (other.height_ != height_ || other.width_ != width_)
    throw ShapeError("image statistics: cannot merge sums of different image sizes");
  for (size_t i = 0; i < pixel_sums_.size(); ++i) pixel_sums_[i] += other.pixel_sums_[i];
  for (size_t a = 0; a < 3; ++a) {
    sums_[a] += other.sums_[a];
    for (size_t b = 0; b < 3; ++b) products_[a][b] += other.products_[a][b];
  }
  images_ += other.images_;
}

Tensor ImageStatsAccumulator::mean_image() const {
  if (images_ == 0) throw DataError("image statistics: no images were added");
  Tensor mean(Shape{3, height_, width_});
  const int64_t plane = height_ * width_;
  for (int64_t p = 0; p < plane; ++p)
    for (int c = 0; c < 3; ++c)  // plane c is R, G, B: BGR index 2 - c
      mean[c * plane + p] =
          static_cast<float>(double(pixel_sums_[size_t(p * 3 + 2 - c)]) / double(images_));
  return mean;
}

std::array<double, 3> ImageStatsAccumulator::channel_mean() const {
  if (images_ == 0) throw DataError("image statistics: no images were added");
  const double n = double(images_) * double(height_ * width_);
  return {double(sums_[2]) / n, double(sums_[1]) / n, double(sums_[0]) / n};
}

std::array<std::array<double, 3>, 3> ImageStatsAccumulator::rgb_covariance() const {
  if (images_ == 0) throw DataError("image statistics: no images were added");
  const double n = double(images_) * double(height_ * width_);
  std::array<std::array<double, 3>, 3> cov{};
  for (int r = 0; r < 3; ++r)
    for (int s = 0; s < 3; ++s) {
      const size_t a = size_t(std::min(2 - r, 2 - s)), b = size_t(std::max(2 - r, 2 - s));
      const double mean_a = double(sums_[a]) / n, mean_b = double(sums_[b]) / n;
      cov[size_t(r)][size_t(s)] = (double(products_[a][b]) / n - mean_a * mean_b) / (255.0 * 255.0);
    }
  return cov;
}

ColourPca symmetric_eigen3(const std::array<std::array<double, 3>, 3>& matrix) {
  auto a = matrix;
  std::array<std::array<double, 3>, 3> v{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  for (int sweep = 0; sweep < 50; ++sweep) {
    const double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    if (off < 1e-30) break;
    for (int p = 0; p < 2; ++p)
      for (int q = p + 1; q < 3; ++q) {
        if (a[p][q] == 0) continue;
        // The rotation that zeroes a[p][q] (Numerical Recipes' jacobi).
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 3; ++k) {  // columns p, q of a
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) {  // rows p, q
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; ++k) {
          const double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  std::array<int, 3> order{0, 1, 2};
  std::sort(order.begin(), order.end(), [&](int i, int j) { return a[i][i] > a[j][j]; });
  ColourPca pca;
  for (int i = 0; i < 3; ++i) {
    const int src = order[size_t(i)];
    pca.eigenvalues[size_t(i)] = static_cast<float>(a[src][src]);
    int largest = 0;
    for (int k = 1; k < 3; ++k)
      if (std::abs(v[k][src]) > std::abs(v[largest][src])) largest = k;
    const double sign = v[largest][src] < 0 ? -1 : 1;
    for (int k = 0; k < 3; ++k)
      pca.eigenvectors[size_t(k)][size_t(i)] = static_cast<float>(sign * v[k][src]);
  }
  return pca;
}

ImageStats finish_stats(const ImageStatsAccumulator& sums) {
  ImageStats stats;
  stats.images = sums.images();
  stats.mean_image = sums.mean_image();
  const auto mean = sums.channel_mean();
  const auto cov = sums.rgb_covariance();
  for (size_t k = 0; k < 3; ++k) {
    stats.channel_mean[k] = static_cast<float>(mean[k]);
    for (size_t j = 0; j < 3; ++j) stats.covariance[k][j] = static_cast<float>(cov[k][j]);
  }
  stats.pca = symmetric_eigen3(cov);
  return stats;
}

void save_image_stats(const std::string& path, const ImageStats& stats,
                      const std::map<std::string, std::string>& extra) {
  Tensor channel_mean(Shape{3}), covariance(Shape{3, 3}), values(Shape{3}), vectors(Shape{3, 3});
  for (int k = 0; k < 3; ++k) {
    channel_mean[k] = stats.channel_mean[size_t(k)];
    values[k] = stats.pca.eigenvalues[size_t(k)];
    for (int j = 0; j < 3; ++j) {
      covariance[k * 3 + j] = stats.covariance[size_t(k)][size_t(j)];
      vectors[k * 3 + j] = stats.pca.eigenvectors[size_t(k)][size_t(j)];
    }
  }
  std::map<std::string, std::string> metadata = extra;
  metadata["format"] = kFormat;
  metadata["version"] = kVersion;
  metadata["images"] = std::to_string(stats.images);
  metadata["channel_order"] = "RGB";
  save_safetensors(path,
                   {{"mean_image", stats.mean_image},
                    {"channel_mean", channel_mean},
                    {"rgb_covariance", covariance},
                    {"rgb_eigenvalues", values},
                    {"rgb_eigenvectors", vectors}},
                   metadata);
}

ImageStats load_image_stats(const std::string& path) {
  const SafetensorsContents file = load_safetensors(path);
  const auto field = [&](const char* key) {
    const auto it = file.metadata.find(key);
    return it == file.metadata.end() ? std::string() : it->second;
  };
  if (field("format") != kFormat || field("version") != kVersion)
    throw IoError("'" + path + "' is not an image statistics file of version " + kVersion +
                  " (metadata format '" + field("format") + "', version '" + field("version") +
                  "'); write one with `svertka mean`");
  const auto need = [&](const char* name, const Shape& shape) -> const Tensor& {
    const Tensor& t = file.at(name);
    if (shape.rank() > 0 && t.shape() != shape)
      throw IoError("image statistics '" + path + "': " + name + " is " + t.shape().str() +
                    ", expected " + shape.str());
    return t;
  };
  ImageStats stats;
  stats.mean_image = need("mean_image", Shape{}).clone();
  if (stats.mean_image.rank() != 3 || stats.mean_image.dim(0) != 3)
    throw IoError("image statistics '" + path + "': mean_image is " +
                  stats.mean_image.shape().str() + ", expected (3,H,W)");
  const Tensor& mean = need("channel_mean", Shape{3});
  const Tensor& cov = need("rgb_covariance", Shape{3, 3});
  const Tensor& values = need("rgb_eigenvalues", Shape{3});
  const Tensor& vectors = need("rgb_eigenvectors", Shape{3, 3});
  for (int k = 0; k < 3; ++k) {
    stats.channel_mean[size_t(k)] = mean[k];
    stats.pca.eigenvalues[size_t(k)] = values[k];
    for (int j = 0; j < 3; ++j) {
      stats.covariance[size_t(k)][size_t(j)] = cov[k * 3 + j];
      stats.pca.eigenvectors[size_t(k)][size_t(j)] = vectors[k * 3 + j];
    }
  }
  const std::string images = field("images").empty() ? "0" : field("images");
  const auto [stop, error] =
      std::from_chars(images.data(), images.data() + images.size(), stats.images);
  if (error != std::errc() || stop != images.data() + images.size() || stats.images < 0)
    throw IoError("image statistics '" + path + "': metadata 'images' is '" + images.substr(0, 64) +
                  "', not a count of images");
  return stats;
}

}  // namespace svertka
