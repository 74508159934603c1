// Labels live on the GPU; a loss or accuracy kernel writes the first position whose label is not
// a class index (launch.h), and the host reads it back after the launch (one 8-byte copy, which
// waits for the stream) to throw cpu_ref's DataError.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "svertka/error.h"
#include "svertka/tensor.h"

namespace svertka::cuda {

// Device scratch for `count` positions: int64s in a float tensor's memory.
inline Tensor bad_label_buffer(MemoryResource* memory, int64_t count = 1) {
  return Tensor(Shape{2 * count}, memory);
}

// DataError "<what> at <where> <position> is not a class index in [0, classes)" for a position the
// kernel found (>= 0; -1: none); `labels` is the label tensor on the device.
inline void throw_if_bad_label(int64_t position, const Tensor& labels, int64_t classes,
                               const std::string& op_label, const char* where) {
  if (position < 0) return;
  float value = 0;
  labels.memory()->copy_to_host(&value, labels.data() + position, sizeof(value));
  throw DataError(fmt::format("{}: label {} {} {} is not a class index in [0, {})", op_label, value,
                              where, position, classes));
}

// The same with the position read back from the kernel's buffer.
inline void throw_if_bad_label(const Tensor& bad_label, const Tensor& labels, int64_t classes,
                               const std::string& op_label, const char* where) {
  int64_t position = -1;
  bad_label.memory()->copy_to_host(&position, bad_label.data(), sizeof(position));
  throw_if_bad_label(position, labels, classes, op_label, where);
}

}  // namespace svertka::cuda
