// One image file as a Caffe Datum, as convert_imageset's ReadImageToDatum makes it: decoded as
// colour (BGR) or grey, resized to height x width when both are given (bilinear, cv::resize's
// default), then stored raw (C,H,W planes) or encoded (the file's own bytes when nothing changed
// and its format is the one asked for, else re-encoded as `encode_type`).
#pragma once

#include <cstdint>
#include <string>

#include "svertka/data/caffe_datum.h"

namespace svertka {

struct ImageDatumOptions {
  int64_t resize_height = 0, resize_width = 0;  // 0: keep the size
  bool gray = false;
  bool encoded = false;
  std::string encode_type;  // "jpg", "png", ...; empty: the file's own format (re-encoded: png)
};

// DataError naming `path` for a file that cannot be read or decoded; ParamError for only one of
// resize_height / resize_width or an encode_type OpenCV cannot write.
Datum image_to_datum(const std::string& path, int64_t label, const ImageDatumOptions& options);

}  // namespace svertka
