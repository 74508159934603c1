// Caffe's Datum, the record of its LMDB datasets (convert_imageset, convert_mnist_data): one image
// and its label, either raw pixels (uint8 `data` or `float_data`, C,H,W planes) or an encoded
// JPEG/PNG file (`encoded`: `data` holds the file, the size comes from decoding it). The protobuf
// wire format of caffe.proto's message (fields 1 channels, 2 height, 3 width, 4 data, 5 label,
// 6 float_data, 7 encoded) is read and written here by hand, so that the data component needs no
// protobuf and every length is checked before it is used.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace svertka {

// Limits on a record's declared size: far above any dataset's images, far below what would make
// an allocation a hostile record can ask for hurt.
inline constexpr int64_t kMaxDatumSide = 1 << 16;          // height, width
inline constexpr int64_t kMaxDatumChannels = 1 << 12;      // raw records
inline constexpr int64_t kMaxDatumElements = int64_t{1} << 28;  // C*H*W

struct Datum {
  int64_t channels = 0, height = 0, width = 0;  // raw records; 0 in encoded ones
  std::vector<uint8_t> data;   // raw: C*H*W pixels, planes; encoded: the image file
  std::vector<float> float_data;  // raw records stored as floats (C*H*W), else empty
  int64_t label = 0;
  bool encoded = false;
};

// Parses one record. DataError starting with `where` (the file and the key) for a truncated or
// malformed message, a negative or oversized dimension, raw pixels whose count is not C*H*W, or a
// record with neither pixels nor an encoded image.
Datum parse_datum(std::span<const uint8_t> bytes, const std::string& where);

// The label field alone, without copying the pixels (a pass over a database's labels).
int64_t parse_datum_label(std::span<const uint8_t> bytes, const std::string& where);

// The record as Caffe's protobuf serialises it: the fields that are set, in field order (raw:
// channels, height, width, data, label; encoded: data, label, encoded).
std::vector<uint8_t> serialize_datum(const Datum& datum);

}  // namespace svertka
