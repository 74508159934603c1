// Test-time views, as the papers evaluated: AlexNet's 10 crops, VGG's multi-scale and dense
// evaluation, GoogLeNet's 144 crops. A View says how one input of the net is cut from a sample; a
// ViewSource fills net inputs with views of its samples.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "svertka/tensor.h"

namespace svertka {

enum class CropPolicy {
  kCenter,  // the centre crop
  kTen,     // 4 corners and the centre, and their mirror images (AlexNet)
  kDense,   // the whole image and its mirror through the net made fully convolutional (VGG)
  k144,     // per scale 3 squares x (4 corners + centre + the square resized) x 2 mirrors
};

// "center" | "10" | "dense" | "144"; ParamError otherwise.
CropPolicy parse_crop_policy(const std::string& text);

struct View {
  int64_t scale = 0;                  // S, the shorter side after resizing; 0: the source's own
  double crop_y = 0.5, crop_x = 0.5;  // crop position as a fraction of the free room: 0 top/left
  bool flip = false;
  int square = -1;            // 144 crops: the left/top (0), centre (1) or right/bottom (2) square
  bool whole_square = false;  // 144 crops: the square resized to the crop size instead of cropped
  bool whole_image = false;   // dense: the whole rescaled image, uncropped
};

// GoogLeNet's four test scales (the shorter side S): 4 x 36 = 144 views.
inline const std::vector<int64_t> kGoogLeNetScales{256, 288, 320, 352};

// Every view of `policy` at each scale (a scale of 0 keeps the source's size; no scales: the
// source's size, except 144 crops, which take GoogLeNet's four). The order is fixed: scales, then
// squares, then positions, then the mirror.
std::vector<View> views_for(CropPolicy policy, const std::vector<int64_t>& scales);

struct SampleView {
  int64_t index = 0;  // sample
  View view;
};

class ViewSource {
 public:
  virtual ~ViewSource() = default;
  virtual int64_t size() const = 0;
  virtual int64_t num_classes() const = 0;
  // (C, h, w) of a cropped view: the net's input.
  virtual Shape crop_shape() const = 0;
  // (C, H, W) of a whole_image view of sample `index` (dense evaluation; sizes may differ).
  virtual Shape whole_shape(int64_t index, const View& view) const = 0;
  // Whether every whole_image view has one shape, so dense evaluation can run in batches.
  virtual bool uniform_whole_shape() const { return false; }
  // images (B, C, h, w) and labels (B) for the B items; all whole_image views or none.
  // ShapeError if a crop does not fit the (rescaled) image.
  virtual void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const = 0;
};

}  // namespace svertka
