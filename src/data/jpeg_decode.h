// JPEG decoding with libjpeg-turbo directly, straight into BGR: OpenCV 4.6 asks libjpeg for RGB
// and swaps every pixel with a scalar loop, a third of the data pipeline's time.
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

namespace svertka {

// `bytes` decoded at 1/`factor` (1, 2, 4 or 8, by libjpeg's DCT scaling) into BGR (H,W,3) uint8,
// greyscale as three equal channels: the pixels OpenCV's imdecode gives. nullopt for a JPEG left to
// OpenCV: colour spaces libjpeg cannot turn into BGR (CMYK, YCCK) and EXIF orientations other than
// upright (OpenCV turns the image). DataError naming `path` for anything libjpeg cannot decode,
// and for its warnings about corrupt data, after which it would carry on with grey or garbled
// pixels.
std::optional<cv::Mat> decode_jpeg_bgr(const std::vector<uint8_t>& bytes, const std::string& path,
                                       int factor);

}  // namespace svertka
