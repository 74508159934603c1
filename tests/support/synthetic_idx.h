// A small learnable IDX dataset for the trainer and MPI tests: 28x28 "images" whose class is drawn into their
// brightness, in memory or written as an IDX folder the CLI can read.
#pragma once

#include <cstdint>
#include <fstream>
#include <random>
#include <string>

#include "svertka/data/idx.h"

namespace svertka::testing {

inline IdxDataset synthetic_idx(int64_t count, uint64_t seed) {
  IdxDataset d;
  d.images.count = count, d.images.rows = 28, d.images.cols = 28;
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < count; ++i) {
    const auto label = static_cast<uint8_t>(rng() % 10);
    d.labels.push_back(label);
    for (int p = 0; p < 28 * 28; ++p)
      d.images.pixels.push_back(
          static_cast<uint8_t>((rng() % 128) + (p % 28 < 14 ? label * 12 : 0)));
  }
  return d;
}

inline void write_big_endian(std::ofstream& out, uint32_t value) {
  const char bytes[4] = {char(value >> 24), char(value >> 16), char(value >> 8), char(value)};
  out.write(bytes, 4);
}

// DIR/<prefix>-images-idx3-ubyte and DIR/<prefix>-labels-idx1-ubyte.
inline void write_idx(const std::string& dir, const std::string& prefix, const IdxDataset& d) {
  std::ofstream images(dir + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
  write_big_endian(images, 0x803);
  for (int64_t v : {d.images.count, d.images.rows, d.images.cols})
    write_big_endian(images, uint32_t(v));
  images.write(reinterpret_cast<const char*>(d.images.pixels.data()),
               std::streamsize(d.images.pixels.size()));
  std::ofstream labels(dir + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
  write_big_endian(labels, 0x801);
  write_big_endian(labels, uint32_t(d.labels.size()));
  labels.write(reinterpret_cast<const char*>(d.labels.data()), std::streamsize(d.labels.size()));
}

}  // namespace svertka::testing
