#include "svertka/filler.h"

#include <cmath>
#include <random>

namespace svertka {

std::string Filler::str() const {
  switch (kind) {
    case Kind::kConstant:
      return "constant(" + std::to_string(value) + ")";
    case Kind::kGaussian:
      return "gaussian(std=" + std::to_string(std) + ")";
    case Kind::kXavier:
      return "xavier";
    case Kind::kMsra:
      return "msra";
  }
  return "unknown";
}

void fill(Tensor& tensor, const Filler& filler, uint64_t seed) {
  const int64_t n = tensor.numel();
  const double fan_in =
      tensor.rank() > 0 && tensor.dim(0) > 0 ? double(n) / double(tensor.dim(0)) : 1.0;
  std::mt19937_64 rng(seed);
  switch (filler.kind) {
    case Filler::Kind::kConstant:
      tensor.fill(static_cast<float>(filler.value));
      return;
    case Filler::Kind::kGaussian: {
      std::normal_distribution<double> dist(0.0, filler.std);
      for (int64_t i = 0; i < n; ++i) tensor[i] = static_cast<float>(dist(rng));
      return;
    }
    case Filler::Kind::kXavier: {
      const double a = std::sqrt(3.0 / fan_in);
      std::uniform_real_distribution<double> dist(-a, a);
      for (int64_t i = 0; i < n; ++i) tensor[i] = static_cast<float>(dist(rng));
      return;
    }
    case Filler::Kind::kMsra: {
      std::normal_distribution<double> dist(0.0, std::sqrt(2.0 / fan_in));
      for (int64_t i = 0; i < n; ++i) tensor[i] = static_cast<float>(dist(rng));
      return;
    }
  }
}

}  // namespace svertka
