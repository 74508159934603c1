// The papers' training transforms for decoded (H,W,3) BGR images, producing (3,crop,crop) floats,
// or for a greyscale model's (H,W,1) grey images, producing (1,crop,crop) (`channels` 1: resize,
// crop, flip, mean and scale as for colour; the colour steps are errors):
//   resize   the shorter side to S keeping the aspect ratio (VGG, torchvision), or warp to SxS
//            (AlexNet / Caffe); S drawn uniformly from [scale_min, scale_max] when training (VGG's
//            scale jittering), scale_min when evaluating
//   crop     crop x crop at a random offset when training, the centre when evaluating; or, when
//            training with area_crop, GoogLeNet's sampling (area_crop.h) in place of resize and
//            crop: a patch of 8%-100% of the area, aspect ratio in [3/4, 4/3], resized to the crop
//   flip     horizontally with probability 1/2 when training and `mirror` is on
//   colour   AlexNet's PCA colour augmentation: every pixel's RGB gets
//            [p1 p2 p3] [a1 l1, a2 l2, a3 l3]^T, a_i ~ N(0, pca_std) drawn per sample, with the
//            eigenpairs (p_i, l_i) of the dataset's RGB covariance
//   jitter   GoogLeNet's photometric distortions (colour_jitter.h) when training, on the resized
//            image (the patch, with area_crop)
//   mean     minus a per-channel mean, or minus a mean image (C,Hm,Wm) cropped at the same offset
//   scale    times a factor; out = (pixel + colour - mean) * scale
// Every random draw comes from (seed, epoch, sample index): the same whatever the thread count.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "svertka/data/area_crop.h"
#include "svertka/data/colour_jitter.h"
#include "svertka/data/image.h"
#include "svertka/tensor.h"

namespace svertka {

enum class ResizeMode { kShorterSide, kWarp };
enum class ChannelOrder { kBgr, kRgb };  // Caffe models expect BGR, torchvision ones RGB

// Eigenpairs of the covariance of RGB pixel values scaled to [0, 1] (as `svertka mean` writes
// them, and as fb.resnet.torch's ImageNet constants are): the shift they give is in [0, 1] units
// and is multiplied by 255 before it is added to 0..255 pixels.
struct ColourPca {
  std::array<float, 3> eigenvalues{};                  // descending
  std::array<std::array<float, 3>, 3> eigenvectors{};  // eigenvectors[k][i]: R,G,B (k) of p_i
};

struct ImageTransformOptions {
  // 3: BGR images in, planes in `order` out; 1: grey images in, one plane out (a greyscale model).
  int64_t channels = 3;
  ResizeMode resize = ResizeMode::kShorterSide;
  int64_t scale_min = 256, scale_max = 256;  // S; scale_max > scale_min: jitter when training
  int64_t crop = 224;
  bool mirror = true;
  float pca_std = 0;  // standard deviation of a_i; AlexNet: 0.1; 0: off
  ColourPca pca;
  // R, G, B in 0..255 units; with 1 channel the grey mean in [0] (the others 0). Used when
  // mean_image is undefined.
  std::array<float, 3> channel_mean{};
  Tensor mean_image;  // (3,Hm,Wm) R,G,B planes (1 channel: (1,Hm,Wm) grey), 0..255, or undefined
  float scale = 1;
  ChannelOrder order = ChannelOrder::kBgr;  // only kBgr (the image's own plane) with 1 channel
  AreaCropOptions area_crop;  // enabled: GoogLeNet's sampling when training (S is for evaluation)
  float colour_jitter = 0;    // strength s of the photometric distortions, in [0, 1]; 0: off
};

// Throws ParamError for channels other than 1 or 3, sizes that are not positive, scale_max <
// scale_min, a crop larger than scale_min, a negative pca_std, a colour_jitter outside [0, 1],
// invalid area-crop ranges, with 1 channel for PCA colour, colour jitter, the RGB order or a
// non-zero channel_mean[1] or [2]; ShapeError for a mean image that is not (channels,Hm,Wm) with
// Hm, Wm >= crop.
void check_transform_options(const ImageTransformOptions& options);

// A sample's random choices. Crop offsets are fractions: offset = floor(u * (size - crop + 1)).
struct SampleDraw {
  int64_t scale = 256;  // S
  double crop_y = 0.5, crop_x = 0.5;
  bool flip = false;
  std::array<float, 3> alpha{};  // a_i
  std::optional<uint64_t> area_crop_key;   // set: the patch sample_area_crop draws from it
  std::optional<ColourJitterDraw> jitter;  // set: the photometric distortions
};

// Training (`augment`): every choice from a hash of (seed, epoch, index). Otherwise (validation):
// S = scale_min, the centre crop, no flip, no colour.
SampleDraw draw_sample(const ImageTransformOptions& options, bool augment, uint64_t seed,
                       uint64_t epoch, int64_t index);

// The decoded image's size after the resize for S: (S, S) when warping, else the shorter side S
// and the longer one scaled by the same factor, rounded.
std::array<int64_t, 2> resized_size(const ImageTransformOptions& options, int64_t height,
                                    int64_t width, int64_t scale);

// Offset of a crop at fraction u in a dimension of `size`; u = 0.5 is the centre,
// (size - crop) / 2 rounded down.
int64_t crop_offset(double u, int64_t size, int64_t crop);

// The colour shift [p1 p2 p3][a1 l1, a2 l2, a3 l3]^T, in 0..255 units, R, G, B.
std::array<float, 3> pca_shift(const ColourPca& pca, const std::array<float, 3>& alpha);

// The image resized for S (resized_size), as transform_image does it.
Image resize_image(const Image& bgr, const ImageTransformOptions& options, int64_t scale);

// Resizes a uint8 image (BGR, or grey with 1 channel) for the draw (area interpolation when
// shrinking, bilinear when enlarging), then crops, flips, colours, subtracts the mean and scales
// into dst (channels,crop,crop). With an area-crop draw the patch is cut from `bgr` and resized to
// crop x crop instead.
void transform_image(const Image& bgr, const ImageTransformOptions& options, const SampleDraw& draw,
                     float* dst);

// The last steps alone, on an image already resized: crop at (y0, x0), flip, colour, mean, scale.
// The mean image is cropped at the offset mapped proportionally into it (the same offset when it
// has the resized image's size, as Caffe's 256x256 mean with warped images). ShapeError for a crop
// that does not fit or an image without options.channels channels.
void crop_normalize(const Image& resized, const ImageTransformOptions& options, int64_t y0,
                    int64_t x0, bool flip, const std::array<float, 3>& shift_rgb, float* dst);

}  // namespace svertka
