#include "svertka/data/image_decode.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <utility>

#include "data/image_cv.h"
#include "data/jpeg_decode.h"
#include "svertka/error.h"

namespace svertka {
namespace {

bool is_jpeg(const std::vector<uint8_t>& b) {
  return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}

bool is_png(const std::vector<uint8_t>& b) {
  static const uint8_t kMagic[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  return b.size() >= 8 && std::memcmp(b.data(), kMagic, 8) == 0;
}

uint32_t big_endian(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | p[i];
  return v;
}

// Start-of-frame markers carry the size: C0-CF except C4 (DHT), C8 (JPG) and CC (DAC).
bool is_sof(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::optional<ImageSize> jpeg_size(const std::vector<uint8_t>& b) {
  size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xFF) return std::nullopt;
    const uint8_t marker = b[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      pos += 2;
      continue;
    }
    const size_t length = big_endian(&b[pos + 2], 2);
    if (is_sof(marker)) {
      if (pos + 9 > b.size()) return std::nullopt;
      return ImageSize{big_endian(&b[pos + 5], 2), big_endian(&b[pos + 7], 2)};
    }
    if (marker == 0xDA || marker == 0xD9 || length < 2) return std::nullopt;  // scan before SOF
    pos += 2 + length;
  }
  return std::nullopt;
}

// Entropy-coded data escapes 0xFF as FF 00, so FF D9 near the end is the end-of-image marker.
// Some writers pad after it; look at the last 1 KiB.
bool has_jpeg_end(const std::vector<uint8_t>& b) {
  const size_t from = b.size() > 1024 ? b.size() - 1024 : 2;
  for (size_t i = b.size() - 1; i > from; --i)
    if (b[i] == 0xD9 && b[i - 1] == 0xFF) return true;
  return false;
}

int opencv_flags(int factor, int channels) {
  if (channels == 1)
    return factor == 8   ? cv::IMREAD_REDUCED_GRAYSCALE_8
           : factor == 4 ? cv::IMREAD_REDUCED_GRAYSCALE_4
           : factor == 2 ? cv::IMREAD_REDUCED_GRAYSCALE_2
                         : cv::IMREAD_GRAYSCALE;
  return factor == 8   ? cv::IMREAD_REDUCED_COLOR_8
         : factor == 4 ? cv::IMREAD_REDUCED_COLOR_4
         : factor == 2 ? cv::IMREAD_REDUCED_COLOR_2
                       : cv::IMREAD_COLOR;
}

// PNGs, and the JPEGs decode_jpeg leaves to OpenCV; `factor` > 1 only for JPEGs.
cv::Mat decode_with_opencv(const std::vector<uint8_t>& bytes, const std::string& path, int factor,
                           int channels) {
  const int flags = opencv_flags(factor, channels);
  cv::Mat image;
  try {
    // The buffer is only read; OpenCV's signature wants a non-const Mat header.
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<uint8_t*>(bytes.data()));
    image = cv::imdecode(buffer, flags);
  } catch (const cv::Exception& e) {
    throw DataError("cannot decode image '" + path + "': " + e.what());
  }
  if (image.empty() || image.type() != (channels == 1 ? CV_8UC1 : CV_8UC3))
    throw DataError("cannot decode image '" + path + "': the data is corrupt");
  return image;
}

}  // namespace

std::optional<ImageSize> peek_image_size(const std::vector<uint8_t>& bytes) {
  if (is_jpeg(bytes)) return jpeg_size(bytes);
  // PNG: 8-byte magic, then the IHDR chunk: length (4), "IHDR", width (4), height (4).
  if (is_png(bytes) && bytes.size() >= 24 && std::memcmp(&bytes[12], "IHDR", 4) == 0)
    return ImageSize{big_endian(&bytes[20], 4), big_endian(&bytes[16], 4)};
  return std::nullopt;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  // A directory opens as a stream too, and seeking to its end gives a nonsense size.
  std::error_code error;
  if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error))
    throw DataError("cannot read image '" + path + "': not a regular file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError("cannot open image '" + path + "': " + std::strerror(errno));
  const std::streamsize size = in.tellg();
  if (size > kMaxImageFileBytes)
    throw DataError("image '" + path + "' has " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(kMaxImageFileBytes) + " an image file may have");
  std::vector<uint8_t> bytes(static_cast<size_t>(std::max<std::streamsize>(size, 0)));
  in.seekg(0);
  if (size < 0 || !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw DataError("cannot read image '" + path + "'");
  return bytes;
}

int reduction_factor(ImageSize size, int64_t min_height, int64_t min_width) {
  for (int factor : {8, 4, 2})
    if (size.height / factor >= min_height && size.width / factor >= min_width) return factor;
  return 1;
}

Image decode_image(const std::vector<uint8_t>& bytes, const std::string& path, int64_t min_height,
                   int64_t min_width, int channels) {
  if (channels != 1 && channels != 3)
    throw ParamError("cannot decode image '" + path + "' to " + std::to_string(channels) +
                     " channels: only 1 (grey) or 3 (BGR)");
  if (bytes.empty()) throw DataError("cannot decode image '" + path + "': the file is empty");
  int factor = 1;
  const std::optional<ImageSize> size = peek_image_size(bytes);
  if (is_jpeg(bytes)) {
    if (!has_jpeg_end(bytes))
      throw DataError("cannot decode image '" + path +
                      "': the JPEG has no end-of-image marker (the file is truncated)");
    // The full size too: a reduced decode still entropy-decodes every block of it (a 338-byte
    // JPEG declaring 64261 x 4099 took 0.4 s at 1/8; found by fuzz_image_decode).
    if (size) check_image_pixels(size->height, size->width, path);
    if (size && (min_height > 0 || min_width > 0))
      factor = reduction_factor(*size, min_height, min_width);
    if (std::optional<cv::Mat> image = decode_jpeg(bytes, path, factor, channels))
      return from_mat(std::move(*image));
  } else if (!is_png(bytes)) {
    throw DataError("cannot decode image '" + path + "': not a JPEG or PNG file");
  } else if (size) {
    check_image_pixels(size->height, size->width, path);
  }
  return from_mat(decode_with_opencv(bytes, path, factor, channels));
}

}  // namespace svertka
