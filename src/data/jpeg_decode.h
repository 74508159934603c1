// JPEG decoding with libjpeg-turbo directly, straight into BGR or grey: OpenCV 4.6 asks libjpeg for
// RGB and swaps every pixel with a scalar loop, a third of the data pipeline's time.
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

namespace svertka {

// `bytes` decoded at 1/`factor` (1, 2, 4 or 8, by libjpeg's DCT scaling) into `channels` (1 or 3)
// uint8 channels: BGR (H,W,3), greyscale as three equal channels; or grey (H,W,1), colour as its
// luma (libjpeg's Y, 0.299 R + 0.587 G + 0.114 B). The pixels OpenCV's imdecode gives with
// IMREAD_COLOR or IMREAD_GRAYSCALE. nullopt for a JPEG left to OpenCV: colour spaces libjpeg cannot
// turn into BGR or grey (CMYK, YCCK) and EXIF orientations other than upright (OpenCV turns the
// image). DataError naming `path` for anything libjpeg cannot decode, and for its warnings about
// corrupt data, after which it would carry on with grey or garbled pixels.
std::optional<cv::Mat> decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path,
                                   int factor, int channels);

// DataError naming `path` when height x width is over kMaxImagePixels (image_decode.h): checked
// on the header, before any pixel is allocated.
void check_image_pixels(int64_t height, int64_t width, const std::string& path);

inline std::optional<cv::Mat> decode_jpeg_bgr(const std::vector<uint8_t>& bytes,
                                              const std::string& path, int factor) {
  return decode_jpeg(bytes, path, factor, 3);
}

}  // namespace svertka
