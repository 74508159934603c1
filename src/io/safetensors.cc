#include "svertka/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "io/bounded_json.h"
#include "svertka/error.h"
#include "svertka/io/atomic_file.h"

namespace svertka {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian and is copied without byte swapping");

// Ordered so that a saved header lists tensors in the order they were given.
using Json = nlohmann::ordered_json;

constexpr uint64_t kPrefixBytes = 8;  // the u64 header length
constexpr uint64_t kDataAlignment = kTensorAlignment;
// Smaller F32 tensors are copied out of the file even where a mapping could hold them: a page of
// the mapping per bias vector would cost more than it saves.
constexpr uint64_t kMapAtLeast = 64 << 10;
constexpr const char* kMetadataKey = "__metadata__";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw IoError(path + ": " + what);
}

std::string range(uint64_t begin, uint64_t end) {
  std::string s = "[";  // appended piecewise: "[" + std::string trips GCC 12's -Wrestrict at -O3
  s += std::to_string(begin);
  s += ",";
  s += std::to_string(end);
  return s + ")";
}

// A regular file read at explicit offsets.
class InputFile {
 public:
  explicit InputFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw IoError("cannot open " + path + ": " + std::strerror(errno));
    struct stat info;
    if (::fstat(fd_, &info) != 0) {
      const int error = errno;
      ::close(fd_);
      fail(path, std::string("cannot stat: ") + std::strerror(error));
    }
    if (!S_ISREG(info.st_mode)) {
      ::close(fd_);
      fail(path, "not a regular file");
    }
    size_ = static_cast<uint64_t>(info.st_size);
  }
  ~InputFile() { ::close(fd_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  uint64_t size() const { return size_; }

  // The whole file mapped copy-on-write: readable and writable, though nothing written reaches the
  // file. Its pages come from the page cache, so a weight tensor over them costs neither zeroed
  // pages nor a copy (a third of predict's time for AlexNet's 244 MB). Null if it cannot be mapped.
  std::shared_ptr<char> map_private() const {
    if (size_ == 0 || size_ > SIZE_MAX) return nullptr;
    const size_t bytes = static_cast<size_t>(size_);
    void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0);
    if (base == MAP_FAILED) return nullptr;
    return std::shared_ptr<char>(static_cast<char*>(base),
                                 [bytes](char* p) { ::munmap(p, bytes); });
  }

  void read(uint64_t offset, void* out, uint64_t count) const {
    char* p = static_cast<char*>(out);
    while (count > 0) {
      const ssize_t n = ::pread(fd_, p, count, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        fail(path_, "cannot read at byte " + std::to_string(offset) + ": " + std::strerror(errno));
      if (n == 0) fail(path_, "file ended at byte " + std::to_string(offset) + " while being read");
      p += n;
      offset += static_cast<uint64_t>(n);
      count -= static_cast<uint64_t>(n);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

struct Entry {
  std::string name;
  Shape shape;
  StoredType stored = StoredType::kF32;
  uint64_t begin = 0, end = 0;  // bytes within the data section
};

Entry parse_entry(const std::string& path, const std::string& name, const Json& info) {
  const std::string tensor = "tensor '" + name + "'";
  if (!info.is_object())
    fail(path, tensor + ": expected an object with dtype, shape and data_offsets, got " +
                   json_limits::excerpt(info));
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!info.contains(key)) fail(path, tensor + " has no \"" + key + "\"");

  const Json& dtype = info["dtype"];
  if (!dtype.is_string())
    fail(path, tensor + ": dtype must be a string, got " + json_limits::excerpt(dtype));
  if (dtype != "F32" && dtype != "I8")
    fail(path, tensor + " has dtype " + dtype.get<std::string>() + "; only F32 and I8 are supported");
  const StoredType stored = dtype == "I8" ? StoredType::kI8 : StoredType::kF32;

  const Json& shape = info["shape"];
  const std::string bad_shape = tensor + ": shape must be an array of non-negative integers, got " +
                                json_limits::excerpt(shape);
  if (!shape.is_array()) fail(path, bad_shape);
  std::vector<int64_t> dims;
  uint64_t bytes = stored == StoredType::kI8 ? 1 : sizeof(float);
  for (const Json& d : shape) {
    if (!d.is_number_unsigned()) fail(path, bad_shape);
    const uint64_t dim = d.get<uint64_t>();
    if (dim > uint64_t(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(bytes, dim, &bytes))
      fail(path, tensor + ": shape " + json_limits::excerpt(shape) + " is too large");
    dims.push_back(static_cast<int64_t>(dim));
  }

  const Json& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned() || offsets[0].get<uint64_t>() > offsets[1].get<uint64_t>())
    fail(path, tensor + ": data_offsets must be [begin, end] with 0 <= begin <= end, got " +
                   json_limits::excerpt(offsets));
  Entry entry{name, Shape(std::move(dims)), stored, offsets[0].get<uint64_t>(),
              offsets[1].get<uint64_t>()};
  if (entry.end - entry.begin != bytes)
    fail(path, tensor + " has shape " + entry.shape.str() + " (" + std::to_string(bytes) +
                   " bytes as " + dtype.get<std::string>() + ") but data_offsets " + range(entry.begin, entry.end) + " span " +
                   std::to_string(entry.end - entry.begin) + " bytes");
  return entry;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const Json& json) {
  if (!json.is_object())
    fail(path, "__metadata__ must be an object, got " + json_limits::excerpt(json));
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string())
      fail(path,
           "__metadata__ values must be strings; '" + key + "' is " + json_limits::excerpt(value));
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// Tensors must tile the data section exactly, as the reference implementation requires: no
// overlaps, no gaps, nothing past the end and nothing after the last tensor.
void check_layout(const std::string& path, const std::vector<Entry>& sorted, uint64_t data_size) {
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : sorted) {
    if (e.begin < covered)
      fail(path, "tensor '" + e.name + "' at " + range(e.begin, e.end) + " overlaps tensor '" +
                     previous->name + "' at " + range(previous->begin, previous->end));
    if (e.begin > covered)
      fail(path, "bytes " + range(covered, e.begin) + " of the data section, before tensor '" +
                     e.name + "', belong to no tensor");
    if (e.end > data_size)
      fail(path, "tensor '" + e.name + "' needs bytes " + range(e.begin, e.end) +
                     " of the data section but the file holds only " + std::to_string(data_size));
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size)
    fail(path, "the data section holds " + std::to_string(data_size) +
                   " bytes but the tensors cover only " + std::to_string(covered));
}

// The validated header: its tensors sorted by their place in the data section, and where that
// section starts.
struct Header {
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;
};

Header read_header(const InputFile& file, const std::string& path) {
  if (file.size() < kPrefixBytes)
    fail(path, "the file has " + std::to_string(file.size()) +
                   " bytes, fewer than the 8-byte header length it must start with");
  unsigned char prefix[kPrefixBytes];
  file.read(0, prefix, kPrefixBytes);
  uint64_t header_size = 0;
  for (int i = kPrefixBytes - 1; i >= 0; --i) header_size = header_size << 8 | prefix[i];
  if (header_size > file.size() - kPrefixBytes)
    fail(path, "the header length in bytes 0-7 is " + std::to_string(header_size) + " but only " +
                   std::to_string(file.size() - kPrefixBytes) + " bytes follow");

  std::string text(header_size, '\0');
  file.read(kPrefixBytes, text.data(), header_size);
  if (const auto at = json_limits::too_deep_at(text))
    fail(path, "the header nests arrays or objects more than " +
                   std::to_string(json_limits::kMaxDepth) + " deep (at byte " +
                   std::to_string(kPrefixBytes + *at) + ")");
  Json header;
  try {
    header = Json::parse(text);
  } catch (const Json::exception& e) {  // a syntax error, or a number too large (out_of_range)
    fail(path,
         "the header (bytes " + range(kPrefixBytes, kPrefixBytes + header_size) +
             ") is not valid JSON: " + std::string(e.what()).substr(0, json_limits::kMaxExcerpt));
  }
  if (!header.is_object())
    fail(path, "the header must be a JSON object, got " + json_limits::excerpt(header));

  Header result;
  std::vector<Entry>& entries = result.entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey)
      result.metadata = parse_metadata(path, value);
    else
      entries.push_back(parse_entry(path, key, value));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  result.data_start = kPrefixBytes + header_size;
  check_layout(path, entries, file.size() - result.data_start);
  return result;
}

void check_int8(const std::string& cannot, const std::string& name, const Tensor& tensor) {
  for (int64_t i = 0; i < tensor.numel(); ++i)
    if (!(tensor[i] >= -128 && tensor[i] <= 127 && tensor[i] == std::nearbyint(tensor[i])))
      throw ParamError(cannot + "tensor '" + name + "' is to be stored as I8 but holds " +
                       std::to_string(tensor[i]) + " at element " + std::to_string(i));
}

uint64_t stored_bytes(const Tensor& tensor, StoredType stored) {
  return stored == StoredType::kI8 ? static_cast<uint64_t>(tensor.numel()) : tensor.bytes();
}

std::vector<int8_t> to_int8(const Tensor& tensor) {
  std::vector<int8_t> codes(static_cast<size_t>(tensor.numel()));
  for (int64_t i = 0; i < tensor.numel(); ++i)
    codes[static_cast<size_t>(i)] = static_cast<int8_t>(tensor[i]);
  return codes;
}

}  // namespace

void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor, stored] : tensors) {
    const std::string cannot = "cannot save " + path + ": ";
    if (name == kMetadataKey) throw ParamError(cannot + "the tensor name __metadata__ is reserved");
    if (!names.insert(name).second)
      throw ParamError(cannot + "two tensors are named '" + name + "'");
    if (tensor.data() == nullptr) throw ParamError(cannot + "tensor '" + name + "' is undefined");
    if (stored == StoredType::kI8) check_int8(cannot, name, tensor);
    const uint64_t bytes = stored_bytes(tensor, stored);
    Json entry = Json::object();
    entry["dtype"] = stored == StoredType::kI8 ? "I8" : "F32";
    entry["shape"] = tensor.shape().dims();
    entry["data_offsets"] = Json::array({offset, offset + bytes});
    header[name] = std::move(entry);
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::type_error& e) {
    throw ParamError("cannot save " + path + ": a tensor name or metadata entry is not UTF-8 (" +
                     e.what() + ")");
  }
  // Padding starts the data section on a kDataAlignment boundary (the reference writer pads to 8),
  // so a reader can use the tensors where they lie in a mapping of the file.
  text.append((kDataAlignment - (kPrefixBytes + text.size()) % kDataAlignment) % kDataAlignment,
              ' ');

  write_file_atomically(path, [&](std::ostream& out) {
    char prefix[kPrefixBytes];
    for (uint64_t i = 0; i < kPrefixBytes; ++i) prefix[i] = char((text.size() >> (8 * i)) & 0xff);
    out.write(prefix, kPrefixBytes);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, tensor, stored] : tensors) {
      if (stored == StoredType::kI8) {
        const std::vector<int8_t> codes = to_int8(tensor);
        out.write(reinterpret_cast<const char*>(codes.data()),
                  static_cast<std::streamsize>(codes.size()));
      } else {
        out.write(reinterpret_cast<const char*>(tensor.data()),
                  static_cast<std::streamsize>(tensor.bytes()));
      }
    }
  });
}

SafetensorsContents load_safetensors(const std::string& path) {
  InputFile file(path);
  Header header = read_header(file, path);
  SafetensorsContents contents;
  contents.path = path;
  contents.metadata = std::move(header.metadata);
  const auto mappable = [&](const Entry& e) {
    return e.stored == StoredType::kF32 && e.end - e.begin >= kMapAtLeast &&
           (header.data_start + e.begin) % kDataAlignment == 0;
  };
  std::shared_ptr<char> mapping;
  if (std::any_of(header.entries.begin(), header.entries.end(), mappable))
    mapping = file.map_private();
  for (Entry& e : header.entries) {
    if (mapping && mappable(e)) {
      float* data = reinterpret_cast<float*>(mapping.get() + header.data_start + e.begin);
      contents.tensors.push_back(
          {std::move(e.name), Tensor(e.shape, std::shared_ptr<float>(mapping, data)), e.stored});
      continue;
    }
    Tensor tensor(e.shape);
    if (e.stored == StoredType::kI8) {
      std::vector<int8_t> codes(static_cast<size_t>(tensor.numel()));
      file.read(header.data_start + e.begin, codes.data(), codes.size());
      for (int64_t i = 0; i < tensor.numel(); ++i) tensor[i] = codes[static_cast<size_t>(i)];
    } else {
      file.read(header.data_start + e.begin, tensor.data(), tensor.bytes());
    }
    contents.tensors.push_back({std::move(e.name), std::move(tensor), e.stored});
  }
  return contents;
}

std::map<std::string, Shape> read_safetensors_shapes(const std::string& path) {
  InputFile file(path);
  std::map<std::string, Shape> shapes;
  for (Entry& e : read_header(file, path).entries) shapes[e.name] = std::move(e.shape);
  return shapes;
}

std::map<std::string, std::string> read_safetensors_metadata(const std::string& path) {
  InputFile file(path);
  return read_header(file, path).metadata;
}

const Tensor& SafetensorsContents::at(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return t.tensor;
  std::string held;
  const size_t shown = std::min<size_t>(tensors.size(), 10);
  for (size_t i = 0; i < shown; ++i) held += (i > 0 ? ", " : "") + tensors[i].name;
  if (shown < tensors.size()) held += ", ... (" + std::to_string(tensors.size()) + " in all)";
  throw NotFoundError(
      path + ": no tensor named '" + name + "'" +
      (tensors.empty() ? std::string(" (the file holds none)") : " (the file holds " + held + ")"));
}

bool SafetensorsContents::contains(const std::string& name) const {
  return std::any_of(tensors.begin(), tensors.end(),
                     [&](const NamedTensor& t) { return t.name == name; });
}

}  // namespace svertka
