// Decoding JPEG and PNG files into 8-bit images of the channels a model takes: 3-channel BGR
// (greyscale as three equal channels, CMYK converted) or 1-channel grey (colour as its luma,
// 0.299 R + 0.587 G + 0.114 B: what OpenCV's IMREAD_GRAYSCALE gives). JPEGs go to libjpeg-turbo
// directly; PNGs, CMYK and YCCK JPEGs (which libjpeg cannot turn into BGR or grey) and JPEGs whose
// EXIF orientation asks for a turn go through OpenCV. A JPEG at least twice the size it will be
// resized to is decoded at 1/2, 1/4 or 1/8 of its size by libjpeg's DCT scaling, which is much
// faster.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "svertka/data/image.h"

namespace svertka {

struct ImageSize {
  int64_t height = 0, width = 0;
};

// The size in a JPEG's SOF marker or a PNG's IHDR chunk, without decoding; nullopt when the bytes
// are neither or the header is cut short.
std::optional<ImageSize> peek_image_size(const std::vector<uint8_t>& bytes);

// The largest image file read_file_bytes reads (1 GiB): far above any photograph.
inline constexpr int64_t kMaxImageFileBytes = int64_t{1} << 30;
// The whole file; DataError naming the path if it cannot be read, is not a regular file or is
// larger than kMaxImageFileBytes.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// The most pixels an image may have, at full size (a JPEG decoded reduced still decodes every
// block of it): 2^27, 134 million (a 100-megapixel photograph fits; BGR, 400 MB). A header that
// claims more is refused before anything is allocated: a 200-byte JPEG can declare 65535 x 65535.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 27;

// The largest of 8, 4, 2, 1 by which `size` can be divided and stay at least `min_height` x
// `min_width`.
int reduction_factor(ImageSize size, int64_t min_height, int64_t min_width);

// Decodes `bytes` to BGR (H,W,3) uint8, or grey (H,W,1) when `channels` is 1: the pixels of
// OpenCV's imdecode with IMREAD_COLOR or IMREAD_GRAYSCALE (reduced: IMREAD_REDUCED_*). A JPEG is
// decoded at the reduction factor for (min_height, min_width) (0, 0: full size). ParamError for
// `channels` other than 1 or 3. DataError naming `path` if the bytes are not an image that can be
// decoded, a JPEG is truncated (no end-of-image marker: libjpeg would fill the missing part with
// grey and only warn), libjpeg warns that its data is corrupt, or the image would have more than
// kMaxImagePixels pixels.
Image decode_image(const std::vector<uint8_t>& bytes, const std::string& path,
                   int64_t min_height = 0, int64_t min_width = 0, int channels = 3);

}  // namespace svertka
