// Concat (Caffe "Concat"): joins k inputs along one axis; the others must agree.
//   x_i (..., C_i, ...) -> y (..., C_0 + ... + C_{k-1}, ...)
// GoogLeNet's Inception modules join their four branches on channels:
//   (N,64,28,28) (N,128,28,28) (N,32,28,28) (N,32,28,28) -> (N,256,28,28)
#pragma once

#include "svertka/op.h"

namespace svertka {

struct ConcatParams {
  int axis = 1;  // negative counts from the end: -1 is the last axis
};

// Every input viewed as (outer, C_i, inner): outer is the product of the dims before the axis,
// inner of those after it. Input i fills output columns [offsets[i], offsets[i] + sizes[i]).
struct ConcatGeometry {
  int axis;  // in [0, rank)
  int64_t outer, inner;
  std::vector<int64_t> sizes, offsets;
  int64_t total;  // output extent along the axis
};

class ConcatOp : public Op {
 public:
  static constexpr std::string_view kType = "Concat";
  ConcatOp() = default;
  explicit ConcatOp(ConcatParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const ConcatParams& params() const { return params_; }

  // Validates and returns the geometry for these inputs; throws naming the offending values.
  ConcatGeometry geometry(const std::vector<Shape>& inputs) const;

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;

 private:
  ConcatParams params_;
};

}  // namespace svertka
