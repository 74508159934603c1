// SplitMix64's finaliser: a cheap, well-mixed 64-bit hash. Randomness that must not depend on
// thread count or batch composition (dropout masks, augmentation) is drawn from hashes of
// (seed, step or epoch, element or sample index).
#pragma once

#include <cstdint>

namespace svertka {

inline constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio

inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A stream of hashes of one key (key + k * golden gamma, k = 1, 2, ...): SplitMix64.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t key) : state_(key) {}
  uint64_t next() { return mix64(state_ += kGoldenGamma); }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  uint64_t state_;
};

}  // namespace svertka
