// GCC 12 reports the _mm512_undefined_* inside its own intrinsics (max, min, rsqrt14, cvtps) as
// maybe used uninitialized once they are inlined (GCC PR 105593): silenced for this file, whose
// first include of immintrin.h this is.
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "backends/cpu_dnnl/lrn_codes.h"

#include <dnnl.hpp>
#include <omp.h>

#include <string>

#include "svertka/error.h"

namespace svertka::cpu_dnnl {
namespace {

// The window reaches at most this far from its centre: one vector of 16 channels on either side.
constexpr int64_t kMaxHalfWindow = 15;

// 1/sqrt(t) from the 14-bit estimate and one Newton step: r * (1.5 - t/2 * r^2). Always inlined,
// so that no AVX-512 code lies outside the kernel's AVX-512 version (tests/portability).
__attribute__((target("avx512f"), always_inline)) inline __m512 reciprocal_sqrt(__m512 t) {
  const __m512 r = _mm512_rsqrt14_ps(t);
  const __m512 half_t = _mm512_mul_ps(t, _mm512_set1_ps(0.5f));
  return _mm512_mul_ps(r, _mm512_fnmadd_ps(half_t, _mm512_mul_ps(r, r), _mm512_set1_ps(1.5f)));
}

// Pixels [first, last): each pixel's channels in vectors of 16 (the last one masked); the window's
// sum of squares of vector i from the squares of vectors i-1, i and i+1, shifted across by
// permutes, so that no square goes through memory. `shifts[d + half]` picks channels c + d for d in
// [-half, half]. One version for processors with AVX-512 and a default one for the others; GCC
// picks the version when the program loads (function multiversioning). lrn_to_codes calls it only
// where lrn_writes_codes() holds, so the default one never runs (and never throws out of
// OpenMP's threads).
__attribute__((target("default"))) void lrn_rows_to_codes(const float*, uint8_t*, int64_t,
                                                          int64_t, int64_t, const LrnParams&,
                                                          float) {
  __builtin_unreachable();
}

__attribute__((target("avx512f"))) void lrn_rows_to_codes(const float* x, uint8_t* codes,
                                                          int64_t first, int64_t last,
                                                          int64_t channels,
                                                          const LrnParams& params, float step) {
  const int64_t half = (params.local_size - 1) / 2;
  __m512i shifts[2 * kMaxHalfWindow + 1];
  for (int64_t d = -half; d <= half; ++d) {
    alignas(64) int32_t lanes[16];
    for (int l = 0; l < 16; ++l) lanes[l] = static_cast<int32_t>(d >= 0 ? l + d : 16 + d + l);
    shifts[d + half] = _mm512_load_si512(lanes);
  }
  const __m512 k = _mm512_set1_ps(static_cast<float>(params.k));
  const __m512 alpha_n = _mm512_set1_ps(static_cast<float>(params.alpha / params.local_size));
  const __m512 inverse_step = _mm512_set1_ps(1 / step);
  const __m512 zero = _mm512_setzero_ps(), largest = _mm512_set1_ps(255);
  const int64_t vectors = (channels + 15) / 16;
  const auto tail = static_cast<__mmask16>(channels % 16 == 0 ? 0xFFFF
                                                              : (1u << (channels % 16)) - 1);
  // Masked loads and stores only for a partial last vector: with them on whole vectors too the
  // kernel ran 3-4x slower on AMD Zen 5 (AlexNet's norm1, batch 32: 5.5 ms against 1.5).
  const bool partial = channels % 16 != 0;
  for (int64_t p = first; p < last; ++p) {
    const float* xp = x + p * channels;
    uint8_t* cp = codes + p * channels;
    __m512 previous = zero;  // squares of the vector before, zero before channel 0
    __m512 xi = partial && vectors == 1 ? _mm512_maskz_loadu_ps(tail, xp) : _mm512_loadu_ps(xp);
    __m512 current = _mm512_mul_ps(xi, xi);
    for (int64_t i = 0; i < vectors; ++i) {
      __m512 xn = zero;
      if (i + 1 < vectors - 1 || (i + 1 == vectors - 1 && !partial))
        xn = _mm512_loadu_ps(xp + 16 * (i + 1));
      else if (i + 1 == vectors - 1)
        xn = _mm512_maskz_loadu_ps(tail, xp + 16 * (i + 1));
      const __m512 next = _mm512_mul_ps(xn, xn);  // zero past the last channel
      __m512 sum = current;
      for (int64_t d = -half; d < 0; ++d)
        sum = _mm512_add_ps(sum, _mm512_permutex2var_ps(previous, shifts[d + half], current));
      for (int64_t d = 1; d <= half; ++d)
        sum = _mm512_add_ps(sum, _mm512_permutex2var_ps(current, shifts[d + half], next));
      const __m512 r = reciprocal_sqrt(_mm512_fmadd_ps(alpha_n, sum, k));            // t^-1/2
      const __m512 scale = _mm512_mul_ps(_mm512_mul_ps(r, r), reciprocal_sqrt(r));  // t^-3/4
      __m512 q = _mm512_mul_ps(_mm512_mul_ps(xi, scale), inverse_step);
      q = _mm512_min_ps(_mm512_max_ps(q, zero), largest);  // a NaN becomes 0
      const __m512i q32 = _mm512_cvtps_epi32(q);
      if (partial && i == vectors - 1)
        _mm512_mask_cvtusepi32_storeu_epi8(cp + 16 * i, tail, q32);
      else
        _mm_storeu_si128(reinterpret_cast<__m128i*>(cp + 16 * i), _mm512_cvtusepi32_epi8(q32));
      previous = current;
      current = next;
      xi = xn;
    }
  }
}

}  // namespace

bool lrn_writes_codes(const LrnParams& params) {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const bool avx512 = (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core &&
                      __builtin_cpu_supports("avx512f");
  return avx512 && params.beta == 0.75 && params.k > 0 && params.local_size % 2 == 1 &&
         params.local_size <= 2 * kMaxHalfWindow + 1;
}

void lrn_to_codes(const float* x, uint8_t* codes, int64_t pixels, int64_t channels,
                  const LrnParams& params, float step) {
  if (!lrn_writes_codes(params))
    throw BackendError("LRN into u8 codes: needs AVX-512, beta 0.75 and an odd window of at most " +
                       std::to_string(2 * kMaxHalfWindow + 1) + " channels");
  if (!(step > 0)) throw BackendError("LRN into u8 codes: the step must be positive");
  // One contiguous share of the pixels per thread.
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), thread = omp_get_thread_num();
    lrn_rows_to_codes(x, codes, pixels * thread / threads, pixels * (thread + 1) / threads,
                      channels, params, step);
  }
}

}  // namespace svertka::cpu_dnnl
