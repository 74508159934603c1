// Caffe's Datum in protobuf's wire format: varints (wire type 0), length-delimited fields (2),
// fixed 32- and 64-bit values (5, 1). Unknown fields are skipped, as protobuf does.
#include "svertka/data/caffe_datum.h"

#include <cstring>

#include "svertka/error.h"

namespace svertka {
namespace {

class WireReader {
 public:
  WireReader(std::span<const uint8_t> bytes, const std::string& where)
      : bytes_(bytes), where_(where) {}

  bool done() const { return pos_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(where_ + ": Datum " + what + " (at byte " + std::to_string(pos_) + " of " +
                    std::to_string(bytes_.size()) + ")");
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ == bytes_.size()) fail("is cut short inside a varint");
      const uint8_t byte = bytes_[pos_++];
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    fail("has a varint longer than 10 bytes");
  }
  std::span<const uint8_t> take(uint64_t size) {
    if (size > bytes_.size() - pos_)
      fail("has a field of " + std::to_string(size) + " bytes past its end");
    const std::span<const uint8_t> out = bytes_.subspan(pos_, size);
    pos_ += size;
    return out;
  }
  void skip(int wire_type) {
    switch (wire_type) {
      case 0: varint(); return;
      case 1: take(8); return;
      case 2: take(varint()); return;
      case 5: take(4); return;
      default: fail("has wire type " + std::to_string(wire_type) + ", which Datum never uses");
    }
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& where_;
  size_t pos_ = 0;
};

// An int32 field: protobuf writes negative values as 10-byte varints of the sign-extended value.
int64_t as_int32(uint64_t v) {
  return int64_t(int32_t(uint32_t(v)));
}

float as_float(std::span<const uint8_t> four) {
  float f;
  std::memcpy(&f, four.data(), 4);
  return f;
}

void check_dimension(const WireReader& in, const char* name, int64_t value, int64_t limit) {
  if (value < 0 || value > limit)
    in.fail(std::string("declares ") + name + " " + std::to_string(value) + " (0 to " +
            std::to_string(limit) + " allowed)");
}

void check_datum(const WireReader& in, const Datum& d) {
  check_dimension(in, "channels", d.channels, kMaxDatumChannels);
  check_dimension(in, "height", d.height, kMaxDatumSide);
  check_dimension(in, "width", d.width, kMaxDatumSide);
  if (d.encoded) {
    if (d.data.empty()) in.fail("is marked encoded but holds no image");
    return;
  }
  const int64_t elements = d.channels * d.height * d.width;
  if (elements == 0) in.fail("has no pixels (channels, height or width is 0)");
  if (elements > kMaxDatumElements)
    in.fail("declares " + std::to_string(elements) + " pixels, more than " +
            std::to_string(kMaxDatumElements));
  const int64_t given = d.float_data.empty() ? int64_t(d.data.size()) : int64_t(d.float_data.size());
  if (given != elements)
    in.fail("holds " + std::to_string(given) + " values for " + std::to_string(d.channels) + "x" +
            std::to_string(d.height) + "x" + std::to_string(d.width) + " = " +
            std::to_string(elements));
}

}  // namespace

Datum parse_datum(std::span<const uint8_t> bytes, const std::string& where) {
  WireReader in(bytes, where);
  Datum d;
  while (!in.done()) {
    const uint64_t tag = in.varint();
    const uint64_t field = tag >> 3;
    const int wire = int(tag & 7);
    if (field >= 1 && field <= 3 && wire == 0) {
      (field == 1 ? d.channels : field == 2 ? d.height : d.width) = as_int32(in.varint());
    } else if (field == 4 && wire == 2) {
      const std::span<const uint8_t> data = in.take(in.varint());
      d.data.assign(data.begin(), data.end());
    } else if (field == 5 && wire == 0) {
      d.label = as_int32(in.varint());
    } else if (field == 6 && wire == 5) {
      if (int64_t(d.float_data.size()) >= kMaxDatumElements) in.fail("has too many float_data");
      d.float_data.push_back(as_float(in.take(4)));
    } else if (field == 6 && wire == 2) {  // packed
      const std::span<const uint8_t> packed = in.take(in.varint());
      if (packed.size() % 4) in.fail("has packed float_data of a length not a multiple of 4");
      for (size_t i = 0; i < packed.size(); i += 4)
        d.float_data.push_back(as_float(packed.subspan(i, 4)));
    } else if (field == 7 && wire == 0) {
      d.encoded = in.varint() != 0;
    } else {
      in.skip(wire);
    }
  }
  check_datum(in, d);
  return d;
}

int64_t parse_datum_label(std::span<const uint8_t> bytes, const std::string& where) {
  WireReader in(bytes, where);
  int64_t label = 0;
  while (!in.done()) {
    const uint64_t tag = in.varint();
    if (tag == (5 << 3))
      label = as_int32(in.varint());
    else
      in.skip(int(tag & 7));
  }
  return label;
}

namespace {

void put_varint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(uint8_t(v | 0x80));
    v >>= 7;
  }
  out.push_back(uint8_t(v));
}

void put_int32(std::vector<uint8_t>& out, int field, int64_t value) {
  put_varint(out, uint64_t(field) << 3);
  put_varint(out, uint64_t(int64_t(int32_t(value))));  // negative: sign-extended, as protobuf
}

}  // namespace

std::vector<uint8_t> serialize_datum(const Datum& d) {
  std::vector<uint8_t> out;
  out.reserve(d.data.size() + 4 * d.float_data.size() + 32);
  if (!d.encoded) {
    put_int32(out, 1, d.channels);
    put_int32(out, 2, d.height);
    put_int32(out, 3, d.width);
  }
  if (!d.data.empty()) {
    put_varint(out, (4 << 3) | 2);
    put_varint(out, d.data.size());
    out.insert(out.end(), d.data.begin(), d.data.end());
  }
  put_int32(out, 5, d.label);
  for (const float f : d.float_data) {
    put_varint(out, (6 << 3) | 5);
    uint8_t four[4];
    std::memcpy(four, &f, 4);
    out.insert(out.end(), four, four + 4);
  }
  if (d.encoded) {
    put_varint(out, 7 << 3);
    put_varint(out, 1);
  }
  return out;
}

}  // namespace svertka
