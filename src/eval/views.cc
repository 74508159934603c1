#include "svertka/eval/views.h"

#include "svertka/error.h"

namespace svertka {

CropPolicy parse_crop_policy(const std::string& text) {
  if (text == "center" || text == "centre") return CropPolicy::kCenter;
  if (text == "10") return CropPolicy::kTen;
  if (text == "dense") return CropPolicy::kDense;
  if (text == "144") return CropPolicy::k144;
  throw ParamError("unknown crop policy '" + text + "' (expected center, 10, dense or 144)");
}

std::vector<View> views_for(CropPolicy policy, const std::vector<int64_t>& scales) {
  static constexpr double kCorners[5][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0.5, 0.5}};
  const std::vector<int64_t> all_scales = !scales.empty()              ? scales
                                          : policy == CropPolicy::k144 ? kGoogLeNetScales
                                                                       : std::vector<int64_t>{0};
  std::vector<View> views;
  for (const int64_t scale : all_scales) {
    switch (policy) {
      case CropPolicy::kCenter:
        views.push_back({.scale = scale});
        break;
      case CropPolicy::kTen:
        for (const bool flip : {false, true})
          for (const auto& c : kCorners)
            views.push_back({.scale = scale, .crop_y = c[0], .crop_x = c[1], .flip = flip});
        break;
      case CropPolicy::kDense:
        for (const bool flip : {false, true})
          views.push_back({.scale = scale, .flip = flip, .whole_image = true});
        break;
      case CropPolicy::k144:
        for (int square = 0; square < 3; ++square)
          for (const bool flip : {false, true}) {
            for (const auto& c : kCorners)
              views.push_back(
                  {.scale = scale, .crop_y = c[0], .crop_x = c[1], .flip = flip, .square = square});
            views.push_back({.scale = scale, .flip = flip, .square = square, .whole_square = true});
          }
        break;
    }
  }
  return views;
}

}  // namespace svertka
