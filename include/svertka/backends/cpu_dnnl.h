// What the cpu_dnnl backend (svertka::dnnl, oneDNN) tells about itself beyond its entry
// (backend.h).
#pragma once

#include <string>

namespace svertka {

// The instruction set oneDNN's kernels use on this processor ("avx512_core_amx", "avx2", ...): it
// chooses them at run time, whatever the build target.
std::string dnnl_cpu_isa();

// How oneDNN computes bf16 convolutions and inner products on this processor: natively
// (avx512_core_bf16's dot-product instructions, or AMX), emulated with AVX-512 fp32 arithmetic
// (correct, but slower than fp32), or not at all (no AVX-512: oneDNN 2.6 has no bf16 kernels).
enum class Bf16Support { kNative, kEmulated, kNone };
Bf16Support dnnl_bf16_support();
// "native (avx512_core_bf16)", "emulated on avx512_core", "none on avx2".
std::string dnnl_bf16_description();

// Whether oneDNN's int8 kernels multiply u8 by s8 in one instruction (VNNI: avx512_core_vnni and
// above, avx2_vnni). Without it they sum pairs of products in 16 bits, which u8 inputs could
// saturate: oneDNN halves the s8 weights where the input is s8, and svertka holds every input as
// s8 there (a non-negative one in 0..127), so a quantized model computes with 7-bit weights and
// 7-bit non-negative activations (twice either step) and passes no u8 codes between layers.
bool dnnl_int8_vnni();

}  // namespace svertka
