// The LRN that writes u8 codes (backends/cpu_dnnl/lrn_codes.h) against Caffe's formula in double,
// rounded and clamped as oneDNN's reorders round: every code equal, but where the exact value lies
// within the kernel's float error of a rounding boundary (a half), where it may go either way.
#include "backends/cpu_dnnl/lrn_codes.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

namespace svertka::testing {
namespace {

using cpu_dnnl::lrn_to_codes;
using cpu_dnnl::lrn_writes_codes;

LrnParams params(int64_t local_size, double alpha, double k) {
  LrnParams p;
  p.local_size = local_size;
  p.alpha = alpha;
  p.k = k;
  return p;  // beta 0.75
}

// The exact value of channel c of pixel p over the step, before rounding.
double exact(const std::vector<float>& x, int64_t p, int64_t c, int64_t channels,
             const LrnParams& lrn, float step) {
  const int64_t half = (lrn.local_size - 1) / 2;
  double sum = 0;
  for (int64_t j = std::max<int64_t>(0, c - half); j <= std::min(channels - 1, c + half); ++j)
    sum += double(x[p * channels + j]) * x[p * channels + j];
  const double base = lrn.k + lrn.alpha / double(lrn.local_size) * sum;
  return x[p * channels + c] * std::pow(base, -lrn.beta) / step;
}

struct Case {
  int64_t pixels, channels;
  LrnParams lrn;
  float step;
  int threads;
};

TEST(LrnCodes, MatchCaffesFormulaRoundedToTheGrid) {
  if (!lrn_writes_codes(params(5, 1e-4, 1))) GTEST_SKIP() << "needs AVX-512 (oneDNN's ISA)";
  const Case cases[] = {
      {100, 48, params(5, 1e-4, 1), 0.02f, 1},  // alexnet_small's norm1, codes up to ~80
      {37, 96, params(5, 1e-4, 2), 0.05f, 2},   // AlexNet's (k = 2), two threads
      {50, 1, params(5, 0.5, 1), 0.002f, 1},    // one channel: the window holds it alone
      {50, 17, params(3, 2.0, 1), 0.001f, 3},   // a partial last vector, three threads
      {20, 31, params(7, 3.0, 0.5), 0.001f, 1},
      {20, 40, params(31, 1.0, 1), 0.002f, 2},  // the widest window, spanning three vectors
      {20, 16, params(1, 1.0, 1), 0.001f, 1},   // n = 1
      {64, 192, params(5, 1e-4, 1), 0.03f, 2},  // GoogLeNet's conv2/norm2
  };
  std::mt19937 random(7);
  for (const Case& c : cases) {
    SCOPED_TRACE("pixels " + std::to_string(c.pixels) + ", channels " +
                 std::to_string(c.channels) + ", n " + std::to_string(c.lrn.local_size));
    // Mostly within the grid's range, some negative (code 0), some far beyond it (code 255).
    std::normal_distribution<float> value(0.5f, 1.5f);
    std::vector<float> x(static_cast<size_t>(c.pixels * c.channels));
    for (float& v : x) v = value(random);
    for (size_t i = 0; i < x.size(); i += 13) x[i] *= 100;
    std::vector<uint8_t> codes(x.size() + 1, 77);  // one byte past the end, never written
    omp_set_num_threads(c.threads);
    lrn_to_codes(x.data(), codes.data(), c.pixels, c.channels, c.lrn, c.step);
    omp_set_num_threads(1);
    EXPECT_EQ(codes.back(), 77);
    int64_t ties = 0, saturated = 0, zeros = 0, mismatches = 0;
    for (int64_t p = 0; p < c.pixels; ++p)
      for (int64_t ch = 0; ch < c.channels; ++ch) {
        const double v = exact(x, p, ch, c.channels, c.lrn, c.step);
        const double expected = std::nearbyint(std::clamp(v, 0.0, 255.0));
        const int got = codes[static_cast<size_t>(p * c.channels + ch)];
        const bool near_half = std::fabs(v - std::floor(v) - 0.5) < 1e-5 * std::max(1.0, v);
        ties += near_half;
        saturated += expected == 255;
        zeros += expected == 0;
        if (got != expected && !(near_half && std::fabs(got - expected) <= 1)) {
          if (++mismatches <= 5)
            ADD_FAILURE() << "pixel " << p << " channel " << ch << ": code " << got
                          << ", exact " << v;
        }
      }
    EXPECT_EQ(mismatches, 0);
    EXPECT_LE(ties, 1 + int64_t(x.size() / 100));  // the exemption is rare
    EXPECT_GT(saturated, 0);
    EXPECT_GT(zeros, 0);
  }
}

TEST(LrnCodes, NaNAndOverflowingSquaresGiveZero) {
  if (!lrn_writes_codes(params(5, 1e-4, 1))) GTEST_SKIP() << "needs AVX-512 (oneDNN's ISA)";
  // A NaN, and 1e30 whose square overflows (its exact value, 1e30 / (1e-4 * 1e60)^0.75, is
  // 1e-12), each alone in its window (n = 1); the other channels keep their values.
  std::vector<float> x(32, 1.0f);
  x[3] = NAN;
  x[20] = 1e30f;
  std::vector<uint8_t> codes(32);
  lrn_to_codes(x.data(), codes.data(), 1, 32, params(1, 1e-4, 1), 0.01f);
  EXPECT_EQ(codes[3], 0);
  EXPECT_EQ(codes[20], 0);
  EXPECT_EQ(codes[0], 100);  // 1 * (1 + 1e-4)^-0.75 / 0.01 = 99.99
}

TEST(LrnCodes, OnlyWhereTheKernelApplies) {
  LrnParams other_beta = params(5, 1e-4, 1);
  other_beta.beta = 0.5;
  EXPECT_FALSE(lrn_writes_codes(other_beta));
  EXPECT_FALSE(lrn_writes_codes(params(33, 1e-4, 1)));  // wider than the kernel's shifts reach
  EXPECT_FALSE(lrn_writes_codes(params(4, 1e-4, 1)));   // even: Caffe refuses it
  std::vector<float> x(16, 1.0f);
  std::vector<uint8_t> codes(16);
  EXPECT_THROW(lrn_to_codes(x.data(), codes.data(), 1, 16, other_beta, 0.01f), BackendError);
  if (lrn_writes_codes(params(5, 1e-4, 1))) {
    EXPECT_THROW(lrn_to_codes(x.data(), codes.data(), 1, 16, params(5, 1e-4, 1), 0.0f),
                 BackendError);
  }
}

}  // namespace
}  // namespace svertka::testing
