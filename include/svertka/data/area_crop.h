// GoogLeNet's crop sampling (Szegedy et al. 2015, section 6): "patches of the image whose size is
// distributed evenly between 8% and 100% of the image area with aspect ratio constrained to the
// interval [3/4, 4/3]", each resized to the net's input. Drawn as torchvision's RandomResizedCrop:
// the area uniformly, the aspect ratio (width / height) log-uniformly.
#pragma once

#include <cstdint>

namespace svertka {

struct AreaCropOptions {
  bool enabled = false;                    // off: resize to S, then crop (the default)
  double area_min = 0.08, area_max = 1.0;  // fractions of the image's area
  double aspect_min = 3.0 / 4.0, aspect_max = 4.0 / 3.0;  // width / height
};

// ParamError unless 0 < area_min <= area_max <= 1 and 0 < aspect_min <= aspect_max.
void check_area_crop_options(const AreaCropOptions& options);

// A patch of an image, in pixels.
struct CropBox {
  int64_t y = 0, x = 0, height = 0, width = 0;
};

// The patch of a height x width image drawn from `key`: up to 10 tries of an area and an aspect
// ratio; the first whose (rounded) patch fits is placed uniformly at random. When none fits, the
// largest centred patch whose aspect ratio is clamped into [aspect_min, aspect_max] (torchvision's
// fallback). Area and aspect ratio stay within the bounds up to the rounding to whole pixels.
CropBox sample_area_crop(const AreaCropOptions& options, int64_t height, int64_t width,
                         uint64_t key);

// The shorter side an image needs for the smallest patch it can give to still cover `crop`
// pixels; JPEGs larger than that may be decoded reduced.
int64_t area_crop_min_side(const AreaCropOptions& options, int64_t crop);

}  // namespace svertka
