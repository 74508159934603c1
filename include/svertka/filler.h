// Parameter initialisation, as in Caffe's fillers. Seeded: the same seed fills the same values.
#pragma once

#include <cstdint>
#include <string>

#include "svertka/tensor.h"

namespace svertka {

struct Filler {
  enum class Kind {
    kConstant,  // every element = value
    kGaussian,  // N(0, std^2)
    kXavier,    // U(-a, a), a = sqrt(3 / fan_in) (Caffe's "xavier", FAN_IN)
    kMsra,      // N(0, 2 / fan_in) (He et al.)
  };
  Kind kind = Kind::kConstant;
  double value = 0;  // kConstant
  double std = 0;    // kGaussian

  static Filler constant(double value) { return {Kind::kConstant, value, 0}; }
  static Filler gaussian(double std) { return {Kind::kGaussian, 0, std}; }
  static Filler xavier() { return {Kind::kXavier, 0, 0}; }
  static Filler msra() { return {Kind::kMsra, 0, 0}; }

  std::string str() const;  // "gaussian(std=0.01)"
};

// fan_in = numel / dim(0): the inputs feeding one output unit (C/G * KH * KW, or K for an FC
// layer).
void fill(Tensor& tensor, const Filler& filler, uint64_t seed);

}  // namespace svertka
