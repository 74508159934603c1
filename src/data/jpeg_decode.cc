#include "data/jpeg_decode.h"

#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstring>

// jpeglib.h uses size_t and FILE without including their headers; jerror.h needs jpeglib.h.
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "svertka/data/image_decode.h"
#include "svertka/error.h"

namespace svertka {
namespace {

// libjpeg reports an error through a callback that must not return: it jumps back to the setjmp
// of the stage (read_header, read_pixels) that called into libjpeg. The stages hold only trivially
// destructible locals, so the jump skips no destructor.
struct ErrorManager {
  jpeg_error_mgr base;  // first: libjpeg holds a jpeg_error_mgr*
  std::jmp_buf jump;
};

[[noreturn]] void jump_back(j_common_ptr info) {
  std::longjmp(reinterpret_cast<ErrorManager*>(info->err)->jump, 1);
}

// Warnings (level -1) mostly mean corrupt data that libjpeg papers over; only those about
// metadata the pixels do not depend on are let through. Levels >= 0 are trace messages.
void on_message(j_common_ptr info, int level) {
  const int code = info->err->msg_code;
  if (level < 0 && code != JWRN_ADOBE_XFORM && code != JWRN_JFIF_MAJOR) jump_back(info);
}

struct Decompressor {
  jpeg_decompress_struct info{};  // zeroed: destroying it is safe even if creating it failed
  ErrorManager error{};

  Decompressor() {
    info.err = jpeg_std_error(&error.base);
    error.base.error_exit = jump_back;
    error.base.emit_message = on_message;
  }
  ~Decompressor() { jpeg_destroy_decompress(&info); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;
};

// Reads the header and sets up a decode at 1/factor into BGR (3 channels) or grey (1); false if
// libjpeg failed.
bool read_header(Decompressor& d, const std::vector<uint8_t>& bytes, int factor, int channels) {
  if (setjmp(d.error.jump)) return false;
  jpeg_create_decompress(&d.info);
  jpeg_mem_src(&d.info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&d.info, JPEG_APP0 + 1, 0xFFFF);  // EXIF
  jpeg_read_header(&d.info, TRUE);
  d.info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_EXT_BGR;
  d.info.scale_num = 1;
  d.info.scale_denom = static_cast<unsigned>(factor);
  jpeg_calc_output_dimensions(&d.info);
  return true;
}

// Decodes every row into `pixels`, rows `stride` bytes apart; false if libjpeg failed.
bool read_pixels(Decompressor& d, uint8_t* pixels, size_t stride) {
  if (setjmp(d.error.jump)) return false;
  jpeg_start_decompress(&d.info);
  constexpr JDIMENSION kRowsPerCall = 8;
  JSAMPROW rows[kRowsPerCall];
  while (d.info.output_scanline < d.info.output_height) {
    const JDIMENSION first = d.info.output_scanline;
    const JDIMENSION count = std::min(kRowsPerCall, d.info.output_height - first);
    for (JDIMENSION i = 0; i < count; ++i) rows[i] = pixels + (first + i) * stride;
    jpeg_read_scanlines(&d.info, rows, count);
  }
  jpeg_finish_decompress(&d.info);  // reads up to the end marker: corrupt data there fails too
  return true;
}

// The orientation tag (0x0112) of the EXIF block's first image directory: 1 upright, 2-8
// mirrored or turned; 1 when there is none.
int exif_orientation(const jpeg_decompress_struct& info) {
  for (jpeg_saved_marker_ptr m = info.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length < 14 || std::memcmp(m->data, "Exif\0", 6))
      continue;
    // A TIFF header: byte order "II" or "MM", 42, the directory's offset; then 12-byte entries.
    const uint8_t* tiff = m->data + 6;
    const size_t size = m->data_length - 6;
    const bool little = tiff[0] == 'I';
    auto read = [&](size_t pos, int bytes) {
      uint32_t v = 0;
      for (int i = 0; i < bytes; ++i)
        v |= uint32_t(tiff[pos + size_t(i)]) << 8 * (little ? i : bytes - 1 - i);
      return v;
    };
    const size_t directory = read(4, 4);
    if (directory + 2 > size) return 1;
    const size_t entries = read(directory, 2);
    for (size_t k = 0; k < entries && directory + 2 + 12 * (k + 1) <= size; ++k) {
      const size_t entry = directory + 2 + 12 * k;
      if (read(entry, 2) == 0x0112) return int(read(entry + 8, 2));
    }
    return 1;
  }
  return 1;
}

DataError failure(Decompressor& d, const std::string& path) {
  char message[JMSG_LENGTH_MAX];
  d.error.base.format_message(reinterpret_cast<j_common_ptr>(&d.info), message);
  return DataError("cannot decode image '" + path + "': " + message);
}

}  // namespace

void check_image_pixels(int64_t height, int64_t width, const std::string& path) {
  // Each side first: two 32-bit sides would overflow the product.
  if (height < 0 || width < 0 || height > kMaxImagePixels || width > kMaxImagePixels ||
      height * width > kMaxImagePixels)
    throw DataError("cannot decode image '" + path + "': its header says " +
                    std::to_string(width) + "x" + std::to_string(height) + ", more than the " +
                    std::to_string(kMaxImagePixels) + " pixels an image may have");
}

std::optional<cv::Mat> decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path,
                                   int factor, int channels) {
  if (channels != 1 && channels != 3)
    throw ParamError("cannot decode image '" + path + "' to " + std::to_string(channels) +
                     " channels: only 1 (grey) or 3 (BGR)");
  Decompressor d;
  if (!read_header(d, bytes, factor, channels)) throw failure(d, path);
  const J_COLOR_SPACE space = d.info.jpeg_color_space;
  const int orientation = exif_orientation(d.info);
  if ((space != JCS_GRAYSCALE && space != JCS_YCbCr && space != JCS_RGB) ||
      (orientation >= 2 && orientation <= 8))
    return std::nullopt;
  check_image_pixels(d.info.output_height, d.info.output_width, path);
  cv::Mat image(int(d.info.output_height), int(d.info.output_width),
                channels == 1 ? CV_8UC1 : CV_8UC3);
  if (!read_pixels(d, image.data, image.step)) throw failure(d, path);
  return image;
}

}  // namespace svertka
