// Caffe's DataTransformer (transform_param) on one (C,H,W) image of 8-bit or float values, in
// Caffe's order: crop (crop_size x crop_size at a random offset when training, the centre when
// testing), mirror (horizontally, with probability 1/2 whenever `mirror` is set: Caffe flips in
// both phases), subtract the mean (the mean file's (C,H,W) blob, cropped at the same offset, else
// mean_value per channel) and multiply by `scale`:
//   out[c][y][x] = (in[c][y0+y][x0+x'] - mean) * scale,  x' = mirrored ? crop-1-x : x
// Random choices come from (seed, epoch, sample index), so they do not depend on thread count. A
// small struct of its own so that other datasets (IDX, images) can carry the same preprocessing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "svertka/shape.h"
#include "svertka/tensor.h"

namespace svertka {

struct CaffeTransform {
  float scale = 1;
  bool mirror = false;
  int64_t crop_size = 0;          // 0: the whole image
  std::vector<float> mean_value;  // one for every channel, or one per channel; empty: none
  Tensor mean;                    // (C,H,W) from a mean file (mean.binaryproto), or undefined
  std::string mean_source;        // the mean file, for messages
  // Encoded images: decode as colour (3 channels) or grey (1) whatever the image is.
  bool force_color = false, force_gray = false;

  // The output's (C, crop, crop), or (C,H,W) without a crop. ShapeError naming `where` (the
  // record) when the crop is larger than the image, the mean blob is not (C,H,W) or mean_value
  // has neither 1 nor C values; ParamError for force_color with force_gray.
  Shape output_shape(int64_t channels, int64_t height, int64_t width,
                     const std::string& where) const;

  struct Draw {
    int64_t y0 = 0, x0 = 0;
    bool flip = false;
  };
  // The crop offset and flip of a sample of an (H,W) image; `train`: a random crop.
  Draw draw(int64_t height, int64_t width, bool train, uint64_t seed, uint64_t epoch,
            int64_t index) const;

  // src (C,H,W) -> dst output_shape(C,H,W). Call output_shape first: this checks nothing.
  void apply(const uint8_t* src, int64_t channels, int64_t height, int64_t width, const Draw& d,
             float* dst) const;
  void apply(const float* src, int64_t channels, int64_t height, int64_t width, const Draw& d,
             float* dst) const;
};

}  // namespace svertka
