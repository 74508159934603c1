// The processor's peak multiply-accumulate rates, the ceiling every kernel's figure is read
// against: fp32 FMA (AVX-512 or AVX2), int8 VNNI (vpdpbusd: u8 x s8 products summed in fours
// into s32) and bf16 (vdpbf16ps), each on zmm registers with twelve independent accumulators,
// on 1..N OpenMP threads. Counts are multiply-adds (one FMA lane = 1, one vpdpbusd = 64, one
// vdpbf16ps = 32). Each ISA is timed only where the processor has it (__builtin_cpu_supports),
// so the binary runs on any x86-64. docs/BENCHMARKS.md ("The processor's ceiling") reads
// svertka's and PyTorch's int8 and fp32 figures against these.
//   build/bench/svertka_isa_peak [threads]      (default: OpenMP's maximum)
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr long kIterations = 100'000'000;  // x 12 instructions per thread: ~0.2-0.5 s

// Twelve independent accumulators (zmm0-11 or ymm0-11; sources 12 and 13, all zeroed first),
// enough to cover each unit's latency x throughput; the loop is in assembly so that no compiler
// keeps them in memory or drops the loop.
#define SVERTKA_ON(op, reg, k) op " %%" reg "12, %%" reg "13, %%" reg #k "\n"
#define SVERTKA_ON_ALL(op, reg)                                                                 \
  SVERTKA_ON(op, reg, 0) SVERTKA_ON(op, reg, 1) SVERTKA_ON(op, reg, 2) SVERTKA_ON(op, reg, 3)   \
  SVERTKA_ON(op, reg, 4) SVERTKA_ON(op, reg, 5) SVERTKA_ON(op, reg, 6) SVERTKA_ON(op, reg, 7)   \
  SVERTKA_ON(op, reg, 8) SVERTKA_ON(op, reg, 9) SVERTKA_ON(op, reg, 10) SVERTKA_ON(op, reg, 11)
#define SVERTKA_ZERO(zero, reg, k) zero " %%" reg #k ", %%" reg #k ", %%" reg #k "\n"
#define SVERTKA_PEAK_LOOP(op, reg, zero)                                                      \
  long n = kIterations;                                                                       \
  asm volatile(SVERTKA_ZERO(zero, reg, 12) SVERTKA_ZERO(zero, reg, 13)                        \
                   SVERTKA_ON_ALL(zero, reg) /* each accumulator = 12 ^ 13 = 0 */              \
               "1:\n" SVERTKA_ON_ALL(op, reg) "dec %0\n"                                       \
               "jnz 1b\n"                                                                     \
               : "+r"(n)                                                                      \
               :                                                                              \
               : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",       \
                 "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "cc")

__attribute__((target("avx512f"))) void fma_f32_avx512() {
  SVERTKA_PEAK_LOOP("vfmadd231ps", "zmm", "vpxord");
}

__attribute__((target("avx2,fma"))) void fma_f32_avx2() {
  SVERTKA_PEAK_LOOP("vfmadd231ps", "ymm", "vpxor");
}

__attribute__((target("avx512f,avx512vnni"))) void dot_u8s8_vnni() {
  SVERTKA_PEAK_LOOP("vpdpbusd", "zmm", "vpxord");
}

__attribute__((target("avx512f,avx512bf16"))) void dot_bf16() {
  SVERTKA_PEAK_LOOP("vdpbf16ps", "zmm", "vpxord");
}

struct Unit {
  const char* name;
  bool (*available)();
  int macs_per_instruction;
  void (*run)();
};

// GMAC/s of `unit` on `threads` threads, each running the whole loop; the slowest thread's time.
double gmacs(const Unit& unit, int threads) {
  std::vector<double> seconds(static_cast<size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    const auto start = std::chrono::steady_clock::now();
    unit.run();
    seconds[static_cast<size_t>(omp_get_thread_num())] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double slowest = *std::max_element(seconds.begin(), seconds.end());
  const double macs = double(threads) * kIterations * 12 * unit.macs_per_instruction;
  return macs / slowest / 1e9;
}

// 1, 2, 4, ... below `max`, then `max`.
std::vector<int> thread_counts(int max) {
  std::vector<int> counts;
  for (int t = 1; t < max; t *= 2) counts.push_back(t);
  counts.push_back(max);
  return counts;
}

}  // namespace

int main(int argc, char** argv) {
  const int max_threads = argc > 1 ? std::atoi(argv[1]) : omp_get_max_threads();
  if (max_threads < 1) {
    std::fprintf(stderr, "usage: %s [threads >= 1]\n", argv[0]);
    return 2;
  }
  const std::vector<Unit> units = {
      {"fp32 FMA, zmm (AVX-512)", [] { return bool(__builtin_cpu_supports("avx512f")); }, 16,
       fma_f32_avx512},
      {"fp32 FMA, ymm (AVX2)",
       [] { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }, 8,
       fma_f32_avx2},
      {"int8 vpdpbusd, zmm (AVX512-VNNI)",
       [] { return bool(__builtin_cpu_supports("avx512vnni")); }, 64, dot_u8s8_vnni},
      {"bf16 vdpbf16ps, zmm (AVX512-BF16)",
       [] { return bool(__builtin_cpu_supports("avx512bf16")); }, 32, dot_bf16},
  };
  std::printf("| unit | threads | GMAC/s | GFLOP/s |\n|---|---:|---:|---:|\n");
  for (const Unit& unit : units) {
    if (!unit.available()) {
      std::printf("| %s | - | not on this processor | |\n", unit.name);
      continue;
    }
    for (int threads : thread_counts(max_threads)) {
      const double rate = gmacs(unit, threads);
      std::printf("| %s | %d | %.0f | %.0f |\n", unit.name, threads, rate, 2 * rate);
    }
  }
}
