// Checks shared by the sliding-window ops (convolution, pooling): kernel, stride and padding.
#pragma once

#include <cstdint>
#include <string>

namespace svertka {

// An empty string when kernel and stride are positive and padding non-negative; otherwise what is
// wrong, naming the values (the op prefixes its label).
inline std::string window_error(int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                                int64_t stride_w, int64_t pad_h, int64_t pad_w) {
  if (kernel_h <= 0 || kernel_w <= 0)
    return "kernel must be positive, got " + std::to_string(kernel_h) + "x" +
           std::to_string(kernel_w);
  if (stride_h <= 0 || stride_w <= 0)
    return "stride must be positive, got stride_h=" + std::to_string(stride_h) +
           " stride_w=" + std::to_string(stride_w);
  if (pad_h < 0 || pad_w < 0)
    return "pad must be non-negative, got pad_h=" + std::to_string(pad_h) +
           " pad_w=" + std::to_string(pad_w);
  return {};
}

}  // namespace svertka
