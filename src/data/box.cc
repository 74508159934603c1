#include "svertka/data/box.h"

#include <algorithm>
#include <fmt/format.h>

#include "svertka/error.h"

namespace svertka {

double box_area(const Box& box) {
  return std::max(0.0, box.width()) * std::max(0.0, box.height());
}

double iou(const Box& a, const Box& b) {
  const Box inter{std::max(a.x1, b.x1), std::max(a.y1, b.y1), std::min(a.x2, b.x2),
                  std::min(a.y2, b.y2)};
  const double i = box_area(inter), u = box_area(a) + box_area(b) - i;
  return u > 0 ? i / u : 0.0;
}

void check_box(const Box& box, int64_t width, int64_t height, const std::string& where) {
  if (!(box.x1 < box.x2 && box.y1 < box.y2))
    throw DataError(fmt::format("{}: box ({}, {}, {}, {}) is empty: need x1 < x2 and y1 < y2",
                                where, box.x1, box.y1, box.x2, box.y2));
  if (box.x1 < 0 || box.y1 < 0 || box.x2 > double(width) || box.y2 > double(height))
    throw DataError(fmt::format("{}: box ({}, {}, {}, {}) lies outside the {}x{} image", where,
                                box.x1, box.y1, box.x2, box.y2, width, height));
}

Box scale_box(const Box& box, double sx, double sy) {
  return {box.x1 * sx, box.y1 * sy, box.x2 * sx, box.y2 * sy};
}

Box crop_box(const Box& box, double x0, double y0, double crop_w, double crop_h) {
  auto clip = [](double v, double hi) { return std::clamp(v, 0.0, hi); };
  return {clip(box.x1 - x0, crop_w), clip(box.y1 - y0, crop_h), clip(box.x2 - x0, crop_w),
          clip(box.y2 - y0, crop_h)};
}

Box flip_box(const Box& box, double width) {
  return {width - box.x2, box.y1, width - box.x1, box.y2};
}

Box transform_box(const Box& box, int64_t height, int64_t width,
                  const ImageTransformOptions& options, const SampleDraw& draw) {
  const auto [rh, rw] = resized_size(options, height, width, draw.scale);
  const Box resized = scale_box(box, double(rw) / double(width), double(rh) / double(height));
  const double c = double(options.crop);
  const Box cropped = crop_box(resized, double(crop_offset(draw.crop_x, rw, options.crop)),
                               double(crop_offset(draw.crop_y, rh, options.crop)), c, c);
  return draw.flip ? flip_box(cropped, c) : cropped;
}

Box to_unit(const Box& box, double size) { return scale_box(box, 1 / size, 1 / size); }
Box from_unit(const Box& box, double size) { return scale_box(box, size, size); }

}  // namespace svertka
