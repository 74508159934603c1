// Dataset statistics for mean subtraction and AlexNet's colour augmentation: the mean image, the
// per-channel means and the eigenpairs of the RGB covariance, computed in one pass over images
// already resized to a common size, and kept in a safetensors file of our own format. They are
// always colour statistics; a greyscale model takes their luma (grey_mean, grey_mean_image).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "svertka/data/image.h"
#include "svertka/data/image_list.h"
#include "svertka/data/image_transform.h"
#include "svertka/tensor.h"

namespace svertka {

// Sums of (H,W,3) BGR uint8 images of one size, exact (integers), so that the result is the same
// whatever the order in which images are added or accumulators merged.
class ImageStatsAccumulator {
 public:
  ImageStatsAccumulator(int64_t height, int64_t width);
  void add(const Image& bgr);  // ShapeError for another size or type
  void merge(const ImageStatsAccumulator& other);
  int64_t images() const { return images_; }
  int64_t height() const { return height_; }
  int64_t width() const { return width_; }

  Tensor mean_image() const;                // (3,H,W) R, G, B planes, 0..255 units
  std::array<double, 3> channel_mean() const;  // R, G, B, 0..255 units
  // Covariance of R, G, B over all pixels, values scaled to [0, 1] (population).
  std::array<std::array<double, 3>, 3> rgb_covariance() const;

 private:
  int64_t height_, width_, images_ = 0;
  std::vector<uint64_t> pixel_sums_;  // (H,W,3) BGR
  std::array<uint64_t, 3> sums_{};    // B, G, R
  std::array<std::array<uint64_t, 3>, 3> products_{};
};

// Eigenvalues (descending) and unit eigenvectors of a symmetric 3x3 matrix by Jacobi rotations;
// each eigenvector's largest component is made positive. eigenvectors[k][i] is component k of
// vector i.
ColourPca symmetric_eigen3(const std::array<std::array<double, 3>, 3>& matrix);

struct ImageStats {
  Tensor mean_image;                    // (3,H,W) R, G, B, 0..255
  std::array<float, 3> channel_mean{};  // R, G, B, 0..255
  std::array<std::array<float, 3>, 3> covariance{};  // RGB, [0,1] units
  ColourPca pca;
  int64_t images = 0;
};

ImageStats finish_stats(const ImageStatsAccumulator& sums);

// A greyscale model's means from colour ones: the luma 0.299 R + 0.587 G + 0.114 B, what a
// 1-channel decode makes of a colour pixel, of the channel means, and plane by plane of a mean
// image ((3,H,W) R, G, B -> (1,H,W); ShapeError for another shape). For greyscale images (three
// equal channels) it is their mean; for colour images, the mean of their grey decodes up to
// rounding (decoders round each pixel's luma).
float grey_mean(const std::array<float, 3>& rgb);
Tensor grey_mean_image(const Tensor& rgb_mean_image);

// A safetensors file: mean_image (3,H,W), channel_mean (3), rgb_covariance (3,3),
// rgb_eigenvalues (3), rgb_eigenvectors (3,3) (columns are the vectors); metadata format
// "svertka-image-stats", version "1", images, channel_order "RGB". `extra` adds metadata.
void save_image_stats(const std::string& path, const ImageStats& stats,
                      const std::map<std::string, std::string>& extra = {});
// IoError naming the file for another format or version, or a missing tensor.
ImageStats load_image_stats(const std::string& path);

struct ImageStatsOptions {
  ResizeMode resize = ResizeMode::kWarp;  // warp to SxS, or shorter side to S and the centre SxS
  int64_t size = 256;                     // S
  int workers = 1;                        // threads decoding
  bool skip_bad = false;                  // skip undecodable images instead of failing
};

struct ImageStatsResult {
  ImageStats stats;
  std::vector<std::string> skipped;  // the images skipped (skip_bad), with the reason, sorted
};

// One pass over `list`: each image decoded (at reduced size when it is at least twice S), brought
// to SxS and summed. `progress(done, total)` is called from the calling thread now and then.
// DataError naming the image for one that cannot be decoded, unless skip_bad.
ImageStatsResult compute_image_stats(const ImageList& list, const ImageStatsOptions& options,
                                     const std::function<void(int64_t, int64_t)>& progress = {});

// The image as the statistics see it: SxS, by warping or by resizing the shorter side to S and
// taking the centre.
Image stats_view(const Image& bgr, ResizeMode resize, int64_t size);

}  // namespace svertka
