// Int8 inference of a convolution or inner product (a layer of a quantized model, svertka
// quantize): what a backend with int8 kernels needs beyond the fp32 weights, which hold the
// dequantized s8 weights (code * per-output-channel scale, so a kernel recovers the codes exactly).
//   x  fp32 -> round(x / input_scale) saturated to u8 [0, 255] (input_min >= 0: after a ReLU)
//            or to s8 [-127, 127] (an input with negative values, such as a mean-subtracted image)
//   w  (O, ...) -> round(w / s_o) in [-127, 127], s_o = max |w_o| / 127 per output channel
//   y  = input_scale * s_o * (sum of code products, in s32) + b, in fp32
// The reference kernels ignore it and compute in fp32: the oracle the int8 kernels are tested
// against.
#pragma once

namespace svertka {

struct Int8Quantization {
  float input_scale = 1;  // the step of the input's 8-bit grid (> 0, finite)
  float input_min = 0;    // the smallest input seen in calibration: >= 0 picks u8, else s8
  bool input_unsigned() const { return input_min >= 0; }
};

}  // namespace svertka
