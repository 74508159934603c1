#include "svertka/shape.h"

namespace svertka {

int64_t Shape::numel() const {
  return numel(0, rank());
}

int64_t Shape::numel(int begin, int end) const {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= dims_[static_cast<size_t>(i)];
  return n;
}

std::string Shape::str() const {
  std::string s = "(";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i > 0) s += ",";
    s += std::to_string(dims_[i]);
  }
  return s + ")";
}

}  // namespace svertka
