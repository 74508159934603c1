#include "svertka/shape.h"

#include "svertka/error.h"

namespace svertka {

int64_t Shape::numel() const {
  return numel(0, rank());
}

int64_t Shape::numel(int begin, int end) const {
  int64_t n = 1;
  bool overflow = false, zero = false, negative = false;
  for (int i = begin; i < end; ++i) {
    const int64_t d = dims_[static_cast<size_t>(i)];
    zero |= d == 0, negative |= d < 0;
    if (!overflow) overflow = __builtin_mul_overflow(n, d, &n);
  }
  if (zero && !negative) return 0;  // however large the others
  if (overflow) throw ShapeError("shape " + str() + " has more elements than an int64 can count");
  return n;
}

std::optional<int64_t> checked_numel(const std::vector<int64_t>& dims) {
  bool zero = false;
  for (const int64_t d : dims) {
    if (d < 0) return std::nullopt;
    zero |= d == 0;
  }
  if (zero) return 0;  // however large the others
  int64_t n = 1;
  for (const int64_t d : dims)
    if (__builtin_mul_overflow(n, d, &n)) return std::nullopt;
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
