// LRN across channels written straight as the u8 codes an int8 layer reads (ops/int8.h):
//   codes_c = round(clamp(x_c * (k + alpha/n * sum_{window(c)} x_c'^2)^-beta / step, 0, 255))
// from fp32 x held NHWC, in one pass: x is read once and a quarter of its bytes written, where
// oneDNN's LRN writes fp32 that a rounding reorder then reads again. oneDNN has no LRN with an
// integer output or post-ops, hence this kernel; oneDNN's LRN stays the fp32 one.
//
// One AVX-512 implementation, for beta = 0.75 (AlexNet's, GoogLeNet's and every model in the zoo):
// t^-0.75 = r^2 * sqrt(1/r) with r = 1/sqrt(t), each reciprocal square root an AVX-512 estimate
// (14 bits) refined by one Newton step; tests/unit/lrn_codes_test.cc finds every code equal to
// Caffe's formula in double but for values within 1e-5 of a rounding tie. Other exponents and other
// processors keep oneDNN's LRN and the reader's own rounding (lrn_writes_codes says which).
#pragma once

#include <cstdint>

#include "svertka/ops/lrn.h"

namespace svertka::cpu_dnnl {

// Whether lrn_to_codes runs for these parameters on this processor (oneDNN's effective ISA has
// AVX-512, so ONEDNN_MAX_CPU_ISA caps it too).
bool lrn_writes_codes(const LrnParams& params);

// x: `pixels` rows of `channels` floats (NHWC, N*H*W rows); codes: the same rows as u8 codes of
// step `step` (> 0). Rounds to nearest, ties to even, as oneDNN's reorders; saturates to 0..255.
// Runs on the OpenMP threads. Requires lrn_writes_codes(params).
void lrn_to_codes(const float* x, uint8_t* codes, int64_t pixels, int64_t channels,
                  const LrnParams& params, float step);

}  // namespace svertka::cpu_dnnl
