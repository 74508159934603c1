// Bounding boxes and how the image transforms move them.
//
// A Box is in continuous pixel coordinates of its image: it covers [x1, x2) x [y1, y2), so a box
// over the whole W x H image is {0, 0, W, H}. (PASCAL VOC's 1-based inclusive xmin..xmax become
// x1 = xmin - 1, x2 = xmax; see box_annotation.h.)
#pragma once

#include <cstdint>
#include <string>

#include "svertka/data/image_transform.h"

namespace svertka {

struct Box {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  double width() const { return x2 - x1; }
  double height() const { return y2 - y1; }
};

// Area; 0 for an empty or inverted box.
double box_area(const Box& box);
// Intersection over union; 0 when either box is empty.
double iou(const Box& a, const Box& b);

// DataError naming `where` unless 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height.
void check_box(const Box& box, int64_t width, int64_t height, const std::string& where);

// The box after the image is scaled by (sx, sy).
Box scale_box(const Box& box, double sx, double sy);
// The box in the coordinates of the crop_w x crop_h window at (x0, y0), clipped to it (empty if it
// falls outside).
Box crop_box(const Box& box, double x0, double y0, double crop_w, double crop_h);
// The box after a horizontal flip of an image `width` wide.
Box flip_box(const Box& box, double width);

// Where a box of a height x width image lands in the (crop x crop) output of transform_image for
// `draw`: resized as the image is, cropped at the same offset, flipped when the image is.
Box transform_box(const Box& box, int64_t height, int64_t width,
                  const ImageTransformOptions& options, const SampleDraw& draw);

// Between pixels of a size x size image and [0, 1] units (the regression targets).
Box to_unit(const Box& box, double size);
Box from_unit(const Box& box, double size);

}  // namespace svertka
