// An 8-bit image in memory, as decode_image makes it and the transforms take it: rows of
// interleaved channels, (H,W,C) uint8, BGR for 3 channels and grey for 1. Rows are stride() bytes
// apart, at least W*C: an image can be a region of a larger one. The pixels are shared, as a
// shared_ptr's object is: copying an Image is cheap and the copy sees the same pixels; whoever
// made them (a buffer of its own, a decoder's) is kept alive by the last copy.
#pragma once

#include <cstdint>
#include <memory>

namespace svertka {

class Image {
 public:
  Image() = default;  // empty: 0x0, no pixels
  // H x W x C pixels of its own, rows packed (stride W*C), zeroed. ShapeError for a negative size
  // or channels other than 1 or 3.
  Image(int64_t height, int64_t width, int64_t channels);
  // Over pixels someone else made: `pixels` points at the first row and keeps them alive (an
  // aliasing shared_ptr can hold their owner). ShapeError as above, or for a stride below W*C.
  Image(std::shared_ptr<uint8_t> pixels, int64_t height, int64_t width, int64_t channels,
        int64_t stride);

  int64_t height() const { return height_; }
  int64_t width() const { return width_; }
  int64_t channels() const { return channels_; }
  int64_t stride() const { return stride_; }  // bytes from one row to the next
  bool empty() const { return height_ == 0 || width_ == 0; }

  uint8_t* data() { return pixels_.get(); }
  const uint8_t* data() const { return pixels_.get(); }
  uint8_t* row(int64_t y) { return pixels_.get() + y * stride_; }  // (W,C) of row y
  const uint8_t* row(int64_t y) const { return pixels_.get() + y * stride_; }

  // The height x width region at (y, x), over the same pixels (its stride is this one's).
  // ShapeError for a region that does not fit.
  Image region(int64_t y, int64_t x, int64_t height, int64_t width) const;

 private:
  std::shared_ptr<uint8_t> pixels_;
  int64_t height_ = 0, width_ = 0, channels_ = 0, stride_ = 0;
};

}  // namespace svertka
