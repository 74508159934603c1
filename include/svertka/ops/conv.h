// Convolution (Caffe "Convolution"): y = conv(x, w) + b, with stride, zero padding and groups.
//   x (N, C, H, W), w (O, C/G, KH, KW), b (O) -> y (N, O, OH, OW)
//   OH = (H + pad_h + pad_bottom - kernel_h) / stride_h + 1 (floor, as Caffe and PyTorch);
//   pad_bottom = pad_h and pad_right = pad_w unless set (ONNX's asymmetric pads)
#pragma once

#include <optional>

#include "svertka/op.h"
#include "svertka/ops/int8.h"

namespace svertka {

// How a backend may compute the convolution. Winograd F(4x4, 3x3) needs 2.25x fewer multiplies on
// 3x3 stride-1 layers at the cost of ~1e-6 relative rounding error; backends without it, and the
// reference, compute directly.
enum class ConvAlgorithm { kAuto, kDirect, kWinograd };

struct ConvParams {
  int64_t out_channels = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t groups = 1;  // AlexNet's conv2/4/5 use 2: each half of the channels sees half the input
  bool bias = true;
  ConvAlgorithm algorithm = ConvAlgorithm::kAuto;  // kAuto: the backend picks what is fastest
  std::optional<int64_t> pad_bottom, pad_right;  // end padding; unset: pad_h / pad_w
  // Set in a quantized model's layers (ops/int8.h): int8 kernels where the backend has them.
  std::optional<Int8Quantization> int8;
};

// Every size a convolution kernel needs, derived once from params and the input shape.
struct ConvGeometry {
  int64_t n, c, h, w;     // input
  int64_t o, oh, ow;      // output
  int64_t kh, kw, sh, sw, ph, pw;
  int64_t groups;
  int64_t c_per_group() const { return c / groups; }
  int64_t o_per_group() const { return o / groups; }
};

class ConvOp : public Op {
 public:
  static constexpr std::string_view kType = "Convolution";
  ConvOp() = default;
  explicit ConvOp(ConvParams params) : params_(params) {}

  std::string_view type() const override { return kType; }
  const ConvParams& params() const { return params_; }

  // Validates and returns the geometry for input shape x; throws naming the offending values.
  ConvGeometry geometry(const Shape& x) const;

  std::vector<Shape> output_shapes(const std::vector<Shape>& inputs) const override;
  std::vector<Shape> param_shapes(const std::vector<Shape>& inputs) const override;
  std::vector<std::string> param_names() const override;
  int64_t forward_macs(const std::vector<Shape>& inputs) const override;

 private:
  ConvParams params_;
};

}  // namespace svertka
