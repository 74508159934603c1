#include "svertka/memory.h"

namespace svertka {

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kF64:
      return "f64";
    case DType::kBF16:
      return "bf16";
    case DType::kI8:
      return "i8";
  }
  return "unknown";
}

}  // namespace svertka
