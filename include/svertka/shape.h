// Shape: the logical dimensions of a tensor, outermost first (N, C, H, W for images).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace svertka {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t operator[](int axis) const { return dims_.at(static_cast<size_t>(axis)); }
  int64_t& operator[](int axis) { return dims_.at(static_cast<size_t>(axis)); }
  const std::vector<int64_t>& dims() const { return dims_; }

  // Product of all dimensions (1 for rank 0). ShapeError if it overflows int64.
  int64_t numel() const;
  // Product of dimensions [begin, end).
  int64_t numel(int begin, int end) const;
  // Product of dimensions from `begin` to the last: count(1) is the size of one sample.
  int64_t numel_from(int begin) const { return numel(begin, rank()); }

  std::string str() const;  // "(2,3,224,224)"

  friend bool operator==(const Shape&, const Shape&) = default;

 private:
  std::vector<int64_t> dims_;
};

// The product of `dims` (1 for none), or nullopt if a dimension is negative or the product
// overflows int64: for readers checking the dimensions a file gives before using them.
std::optional<int64_t> checked_numel(const std::vector<int64_t>& dims);

}  // namespace svertka
