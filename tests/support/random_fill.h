// Deterministic random tensors for tests and benchmarks.
#pragma once

#include <cstdint>
#include <random>

#include "svertka/tensor.h"

namespace svertka::testing {

template <class T>
void fill_uniform(BasicTensor<T>& t, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<T>(dist(rng));
}

template <class T>
BasicTensor<T> random_tensor(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  BasicTensor<T> t(shape);
  fill_uniform(t, seed, lo, hi);
  return t;
}

// Converts between precisions (double reference runs and float kernels share inputs).
template <class To, class From>
BasicTensor<To> cast(const BasicTensor<From>& from) {
  BasicTensor<To> to(from.shape());
  for (int64_t i = 0; i < from.numel(); ++i) to[i] = static_cast<To>(from[i]);
  return to;
}

}  // namespace svertka::testing
