// Pooling (Caffe "Pooling"): max or average over KHxKW windows of each channel, with stride and
// padding, and Caffe's ceil rounding of the output size.
//   x (N, C, H, W) -> y (N, C, OH, OW)
//   OH = ceil((H + 2*pad_h - kernel_h) / stride_h) + 1, minus 1 if pad_h > 0 and the last window
//   would start in the bottom padding ((OH-1)*stride_h >= H + pad_h); likewise OW. (With end
//   padding only, the same rule applies, as in PyTorch.)
//   GoogLeNet's 3x3/2 pools: 112 -> 56 -> 28 -> 14 -> 7.
// ONNX and PyTorch pools add what Caffe lacks: end padding different from the begin padding
// (ONNX pads [top, left, bottom, right]), floor rounding, and averages over the real cells only.
// With them OH = round((H + pad_h + pad_bottom - kernel_h) / stride_h) + 1, the same
// drop-last-window rule applying in ceil mode.
#pragma once

#include <optional>

#include "svertka/op.h"

namespace svertka {

enum class PoolMethod { kMax, kAverage };

struct PoolParams {
  // kMax: padding never wins, ties go to the first maximum in row-major window order.
  // kAverage: Caffe's divisor, which counts padded cells but not cells beyond H + pad_h.
  PoolMethod method = PoolMethod::kMax;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;  // each must be smaller than the kernel (Caffe's rule)
  bool global_pooling = false;   // kernel = whole input, stride 1, pad 0
  // End padding (bottom rows, right columns); unset: pad_h / pad_w. Smaller than the kernel.
  std::optional<int64_t> pad_bottom, pad_right;
  bool ceil_mode = true;  // false: floor rounding (Caffe round_mode FLOOR, ONNX's default)
  // kAverage: divide by the real cells of each window only (ONNX count_include_pad=0).
  bool exclude_padding = false;
};

// Every size a pooling kernel needs, derived once from params and the input shape.
struct PoolGeometry {
  int64_t n, c, h, w;  // input
  int64_t oh, ow;      // output
  int64_t kh, kw, sh, sw, ph, pw;
  int64_t pb, pr;  // end padding: bottom rows, right columns
};

class PoolOp : public Op {
 public:
  static constexpr std::string_view kType = "Pooling";
  PoolOp() = default;
  explicit PoolOp(PoolParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const PoolParams& params() const { return params_; }

  // Validates and returns the geometry for input shape x; throws naming the offending values.
  PoolGeometry geometry(const Shape& x) const;

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  // Not multiply-accumulates but one compare (max) or add (average) per window element:
  // N*C*OH*OW*KH*KW.
  int64_t forward_macs(const std::vector<Shape>& inputs) const override;

 private:
  PoolParams params_;
};

}  // namespace svertka
