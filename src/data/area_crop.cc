#include "svertka/data/area_crop.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "svertka/error.h"
#include "svertka/hash.h"

namespace svertka {

void check_area_crop_options(const AreaCropOptions& o) {
  if (!(o.area_min > 0 && o.area_min <= o.area_max && o.area_max <= 1))
    throw ParamError("area crop: the area range [" + std::to_string(o.area_min) + ", " +
                     std::to_string(o.area_max) + "] must satisfy 0 < min <= max <= 1");
  if (!(o.aspect_min > 0 && o.aspect_min <= o.aspect_max))
    throw ParamError("area crop: the aspect-ratio range [" + std::to_string(o.aspect_min) + ", " +
                     std::to_string(o.aspect_max) + "] must satisfy 0 < min <= max");
}

CropBox sample_area_crop(const AreaCropOptions& o, int64_t height, int64_t width, uint64_t key) {
  SplitMix64 rng(key);
  const double area = double(height) * double(width);
  const double log_min = std::log(o.aspect_min), log_max = std::log(o.aspect_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (o.area_min + (o.area_max - o.area_min) * rng.uniform());
    const double aspect = std::exp(log_min + (log_max - log_min) * rng.uniform());
    const double u_y = rng.uniform(), u_x = rng.uniform();
    const auto w = static_cast<int64_t>(std::lround(std::sqrt(target * aspect)));
    const auto h = static_cast<int64_t>(std::lround(std::sqrt(target / aspect)));
    if (w < 1 || h < 1 || w > width || h > height) continue;
    return {static_cast<int64_t>(u_y * double(height - h + 1)),
            static_cast<int64_t>(u_x * double(width - w + 1)), h, w};
  }
  const double aspect = double(width) / double(height);
  int64_t h = height, w = width;
  if (aspect < o.aspect_min) {
    h = std::min<int64_t>(height, std::lround(double(width) / o.aspect_min));
  } else if (aspect > o.aspect_max) {
    w = std::min<int64_t>(width, std::lround(double(height) * o.aspect_max));
  }
  return {(height - h) / 2, (width - w) / 2, h, w};
}

int64_t area_crop_min_side(const AreaCropOptions& o, int64_t crop) {
  // The narrowest patch: the smallest area at the most extreme aspect ratio.
  const double extreme = std::min(o.aspect_min, 1.0 / o.aspect_max);
  return static_cast<int64_t>(std::ceil(double(crop) / std::sqrt(o.area_min * extreme)));
}

}  // namespace svertka
