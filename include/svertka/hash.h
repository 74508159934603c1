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

}  // namespace svertka
