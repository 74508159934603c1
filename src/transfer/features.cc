#include "svertka/transfer/features.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// NumPy format 1.0: magic, version, little-endian u16 header length, a dict padded with spaces to
// a 64-byte boundary and ended by '\n'.
std::string npy_header(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string dims;
  for (const int64_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  std::string dict =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string h("\x93NUMPY\x01\x00", 8);
  h += char(dict.size() & 0xff);
  h += char(dict.size() >> 8);
  return h + dict;
}

struct Npy {
  std::string descr;
  std::vector<int64_t> shape;
  std::string data;
};

// The text after `'key':` and any spaces in the .npy header dict, or npos.
size_t npy_value_start(const std::string& header, const std::string& key) {
  size_t at = header.find("'" + key + "':");
  if (at == std::string::npos) return at;
  at += key.size() + 3;
  while (at < header.size() && header[at] == ' ') ++at;
  return at;
}

std::string npy_descr(const std::string& path, const std::string& header) {
  const size_t begin = npy_value_start(header, "descr");
  const size_t end = begin == std::string::npos || begin >= header.size() || header[begin] != '\''
                         ? std::string::npos
                         : header.find('\'', begin + 1);
  if (end == std::string::npos) throw IoError(path + ": .npy header has no descr");
  const std::string descr = header.substr(begin + 1, end - begin - 1);
  if (descr != "<f4" && descr != "<i8")
    throw IoError(path + ": dtype " + descr.substr(0, 32) + (descr.size() > 32 ? "..." : "") +
                  " is not <f4 or <i8");
  return descr;
}

// The dimensions of `'shape': (D0, D1, )`, each a non-negative decimal.
std::vector<int64_t> npy_shape(const std::string& path, const std::string& header) {
  const size_t begin = npy_value_start(header, "shape");
  const size_t end = begin == std::string::npos || begin >= header.size() || header[begin] != '('
                         ? std::string::npos
                         : header.find(')', begin);
  if (end == std::string::npos) throw IoError(path + ": .npy header has no shape");
  std::vector<int64_t> shape;
  const char* p = header.data() + begin + 1;
  const char* const last = header.data() + end;
  while (p < last) {
    while (p < last && (*p == ' ' || *p == ',')) ++p;
    if (p == last) break;
    int64_t d = 0;
    const auto [stop, error] = std::from_chars(p, last, d);
    if (error != std::errc() || stop == p || d < 0)
      throw IoError(path + ": .npy shape " +
                    header.substr(begin, std::min<size_t>(end + 1 - begin, 64)) +
                    " is not a tuple of non-negative integers");
    shape.push_back(d);
    p = stop;
    if (p < last && *p == 'L') ++p;  // Python 2's long suffix
  }
  return shape;
}

Npy read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || !std::filesystem::is_regular_file(path)) throw IoError("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0 || bytes[6] != 1)
    throw IoError(path + ": not a NumPy 1.0 .npy file");
  const size_t len = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
  if (bytes.size() < 10 + len) throw IoError(path + ": truncated .npy header");
  const std::string header = bytes.substr(10, len);
  Npy npy;
  npy.descr = npy_descr(path, header);
  if (header.find("'fortran_order': False") == std::string::npos)
    throw IoError(path + ": only C-order .npy files are supported");
  npy.shape = npy_shape(path, header);
  npy.data = bytes.substr(10 + len);
  const size_t item = npy.descr == "<f4" ? 4 : 8;
  const std::optional<int64_t> count = checked_numel(npy.shape);
  uint64_t expected = 0;
  if (!count || __builtin_mul_overflow(uint64_t(*count), item, &expected) ||
      npy.data.size() != expected)
    throw IoError(path + ": " + std::to_string(npy.data.size()) + " data bytes for shape of " +
                  (count ? std::to_string(*count) : std::string("too many")) + " items");
  return npy;
}

}  // namespace

FeatureFormat feature_format(const std::string& path) {
  return ends_with(path, ".npy") ? FeatureFormat::kNpy : FeatureFormat::kSafetensors;
}

std::string npy_labels_path(const std::string& npy_path) {
  return npy_path.substr(0, npy_path.size() - 4) + ".labels.npy";
}

FeatureWriter::FeatureWriter(std::string path, int64_t rows, int64_t dim,
                             std::map<std::string, std::string> metadata)
    : path_(std::move(path)),
      tmp_(path_ + ".tmp"),
      format_(feature_format(path_)),
      rows_(rows),
      dim_(dim) {
  if (rows <= 0 || dim <= 0)
    throw ParamError("feature file " + path_ + ": " + std::to_string(rows) + " rows of " +
                     std::to_string(dim) + " values");
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw IoError("cannot create feature file " + tmp_);
  const int64_t feature_bytes = rows * dim * 4;
  if (format_ == FeatureFormat::kNpy) {
    out_ << npy_header("<f4", {rows, dim});
  } else {
    nlohmann::json h;
    h["features"] = {
        {"dtype", "F32"}, {"shape", {rows, dim}}, {"data_offsets", {0, feature_bytes}}};
    h["labels"] = {{"dtype", "F32"},
                   {"shape", {rows}},
                   {"data_offsets", {feature_bytes, feature_bytes + rows * 4}}};
    if (!metadata.empty()) h["__metadata__"] = metadata;
    std::string text = h.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) out_.put(char((n >> (8 * i)) & 0xff));
    out_ << text;
  }
  labels_.reserve(size_t(rows));
}

FeatureWriter::~FeatureWriter() {
  if (!finished_) {
    out_.close();
    std::remove(tmp_.c_str());
  }
}

void FeatureWriter::append(const float* rows, const float* labels, int64_t count) {
  if (written_ + count > rows_)
    throw ParamError("feature file " + path_ + ": more than the " + std::to_string(rows_) +
                     " rows announced");
  out_.write(reinterpret_cast<const char*>(rows), std::streamsize(count * dim_ * 4));
  labels_.insert(labels_.end(), labels, labels + count);
  written_ += count;
  if (!out_) throw IoError("cannot write feature file " + tmp_);
}

void FeatureWriter::finish() {
  if (written_ != rows_)
    throw ParamError("feature file " + path_ + ": " + std::to_string(written_) + " of " +
                     std::to_string(rows_) + " rows written");
  if (format_ == FeatureFormat::kNpy) {
    const std::string labels_path = npy_labels_path(path_);
    std::ofstream labels(labels_path + ".tmp", std::ios::binary | std::ios::trunc);
    labels << npy_header("<i8", {rows_});
    for (const float l : labels_) {
      const int64_t v = int64_t(l);
      labels.write(reinterpret_cast<const char*>(&v), 8);
    }
    labels.close();
    if (!labels) throw IoError("cannot write " + labels_path);
    std::filesystem::rename(labels_path + ".tmp", labels_path);
  } else {
    out_.write(reinterpret_cast<const char*>(labels_.data()), std::streamsize(labels_.size() * 4));
  }
  out_.close();
  if (!out_) throw IoError("cannot write feature file " + tmp_);
  std::filesystem::rename(tmp_, path_);
  finished_ = true;
}

FeatureSet load_features(const std::string& path) {
  FeatureSet set;
  if (feature_format(path) == FeatureFormat::kNpy) {
    const Npy f = read_npy(path), l = read_npy(npy_labels_path(path));
    if (f.descr != "<f4" || f.shape.size() != 2)
      throw IoError(path + ": features must be <f4 of shape (N, D)");
    if (l.descr != "<i8" || l.shape.size() != 1 || l.shape[0] != f.shape[0])
      throw IoError(npy_labels_path(path) + ": labels must be <i8 of shape (" +
                    std::to_string(f.shape[0]) + ",)");
    set.features = Tensor(Shape{f.shape[0], f.shape[1]});
    std::memcpy(set.features.data(), f.data.data(), f.data.size());
    set.labels.resize(size_t(l.shape[0]));
    std::memcpy(set.labels.data(), l.data.data(), l.data.size());
    return set;
  }
  const SafetensorsContents c = load_safetensors(path);
  set.features = c.at("features");
  const Tensor& labels = c.at("labels");
  if (set.features.shape().rank() != 2 || labels.numel() != set.features.dim(0))
    throw IoError(path + ": features " + set.features.shape().str() + " and labels " +
                  labels.shape().str() + " do not match");
  for (int64_t i = 0; i < labels.numel(); ++i) set.labels.push_back(int64_t(labels[i]));
  return set;
}

}  // namespace svertka
