#include "svertka/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>

#include "svertka/error.h"

namespace svertka {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
// 4096x4096 pixels: far above MNIST's 28x28, far below a size that overflows what uses it.
constexpr uint64_t kMaxImageBytes = uint64_t{1} << 24;

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

// Reads a raw file as it is and a gzip file (told by its 1f 8b magic) decompressed. It drives
// zlib's inflate itself: gzread, when a read ends exactly where the input does, neither checks the
// gzip trailer (CRC-32, length) nor notices that it is cut short.
class ByteReader {
 public:
  explicit ByteReader(std::string path) : path_(std::move(path)) {
    file_ = std::fopen(path_.c_str(), "rb");
    if (!file_) throw IoError("cannot open IDX file '" + path_ + "': " + std::strerror(errno));
    unsigned char magic[2] = {0, 0};
    gzip_ = std::fread(magic, 1, 2, file_) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::rewind(file_);
    if (gzip_ && inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
      std::fclose(file_);
      throw IoError("cannot start decompressing gzip IDX file '" + path_ + "': out of memory");
    }
    if (gzip_) input_.resize(size_t{1} << 16);
  }
  ~ByteReader() {
    if (gzip_) inflateEnd(&stream_);
    std::fclose(file_);
  }
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  const std::string& path() const { return path_; }
  // The bytes of a raw file (its data, unlike a gzip file's, is as long as the file); else nullopt.
  std::optional<uint64_t> raw_size() const {
    std::error_code error;
    const auto size = std::filesystem::file_size(path_, error);
    if (gzip_ || error) return std::nullopt;
    return uint64_t(size);
  }
  int64_t offset() const { return offset_; }  // bytes of (decompressed) data read so far

  // Reads up to n bytes into dst; fewer only at the end of the data.
  size_t read(uint8_t* dst, size_t n) {
    if (gzip_) return inflate_into(dst, n);
    const size_t got = std::fread(dst, 1, n, file_);
    if (std::ferror(file_)) fail(std::strerror(errno));
    offset_ += static_cast<int64_t>(got);
    return got;
  }

 private:
  size_t inflate_into(uint8_t* dst, size_t n) {
    size_t total = 0;
    while (total < n) {
      if (stream_.avail_in == 0) {
        stream_.next_in = input_.data();
        stream_.avail_in = static_cast<uInt>(std::fread(input_.data(), 1, input_.size(), file_));
        if (std::ferror(file_)) fail(std::strerror(errno));
        if (stream_.avail_in == 0) {
          if (!member_ended_) fail("unexpected end of file (the .gz file is truncated)");
          break;
        }
      }
      if (member_ended_) {  // gzip allows members back to back, as `cat a.gz b.gz` makes
        if (stream_.avail_in >= 2 && (stream_.next_in[0] != 0x1f || stream_.next_in[1] != 0x8b))
          fail("the gzip stream is followed by data that is not gzip");
        inflateReset(&stream_);
        member_ended_ = false;
      }
      const auto chunk = static_cast<uInt>(std::min<size_t>(n - total, size_t{1} << 30));
      stream_.next_out = dst + total;
      stream_.avail_out = chunk;
      const int code = inflate(&stream_, Z_NO_FLUSH);
      total += chunk - stream_.avail_out;
      offset_ += chunk - stream_.avail_out;
      if (code == Z_STREAM_END) {
        member_ended_ = true;
      } else if (code != Z_OK) {
        fail(stream_.msg ? stream_.msg : zError(code));
      }
    }
    return total;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw IoError(std::string(gzip_ ? "decompressing gzip" : "reading") + " IDX file '" + path_ +
                  "' failed after " + std::to_string(offset_) + " bytes: " + why);
  }

  std::string path_;
  std::FILE* file_ = nullptr;
  bool gzip_ = false;
  z_stream stream_{};
  std::vector<uint8_t> input_;
  bool member_ended_ = false;
  int64_t offset_ = 0;
};

uint32_t big_endian32(const uint8_t* bytes) {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
         uint32_t{bytes[3]};
}

// Reads and checks the magic, then reads `rank` big-endian dimensions.
std::vector<int64_t> read_header(ByteReader& reader, uint32_t magic, int rank, const char* what) {
  std::array<uint8_t, 16> header{};
  const size_t header_bytes = 4 + 4 * static_cast<size_t>(rank);
  // The magic first: a file of the wrong kind is better reported as such than as too short.
  size_t got = reader.read(header.data(), 4);
  if (got == 4) {
    const uint32_t found = big_endian32(header.data());
    if (found != magic) {
      std::string hint;
      if (found == kImagesMagic) hint = "; this looks like an IDX image file";
      if (found == kLabelsMagic) hint = "; this looks like an IDX label file";
      throw IoError("IDX file '" + reader.path() + "', byte 0: magic is " + hex32(found) +
                    ", expected " + hex32(magic) + " (" + what + ")" + hint);
    }
    got += reader.read(header.data() + 4, header_bytes - 4);
  }
  if (got < header_bytes)
    throw IoError("IDX file '" + reader.path() + "' ends after " + std::to_string(got) +
                  " bytes, inside the " + std::to_string(header_bytes) + "-byte header of " + what);
  std::vector<int64_t> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(big_endian32(header.data() + 4 + 4 * i));
  return dims;
}

// Reads exactly `expected` bytes after the header and checks that nothing follows them.
std::vector<uint8_t> read_payload(ByteReader& reader, uint64_t expected, const char* what) {
  const int64_t header_bytes = reader.offset();
  // A raw file tells its length: a header claiming more than it holds fails before reading.
  if (const auto size = reader.raw_size(); size && *size - uint64_t(header_bytes) != expected)
    throw IoError("IDX file '" + reader.path() + "': expected " + std::to_string(expected) +
                  " bytes of " + what + " after the header (from byte " +
                  std::to_string(header_bytes) + "), found " +
                  std::to_string(*size - uint64_t(header_bytes)));
  std::vector<uint8_t> payload;
  // A raw file's length was checked above, so its payload is read in one piece. A gzip file's
  // payload grows as data arrives, doubling from 64 KiB: a corrupt header must not make us
  // allocate (or zero) what the file never holds.
  const bool known_length = reader.raw_size().has_value();
  while (payload.size() < expected) {
    const size_t old_size = payload.size();
    const uint64_t step = known_length ? expected : std::max<uint64_t>(old_size, uint64_t{1} << 16);
    const size_t want = std::min(expected - old_size, step);
    payload.resize(old_size + want);
    const size_t got = reader.read(payload.data() + old_size, want);
    payload.resize(old_size + got);
    if (got < want) break;
  }
  uint64_t found = payload.size();
  if (found == expected) {
    std::array<uint8_t, 1 << 16> scratch;
    for (size_t got; (got = reader.read(scratch.data(), scratch.size())) > 0;) found += got;
  }
  if (found != expected)
    throw IoError("IDX file '" + reader.path() + "': expected " + std::to_string(expected) +
                  " bytes of " + what + " after the header (from byte " +
                  std::to_string(header_bytes) + "), found " + std::to_string(found));
  return payload;
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  ByteReader reader(path);
  const auto dims = read_header(reader, kImagesMagic, 3, "images: unsigned bytes, 3 dimensions");
  IdxImages images;
  images.count = dims[0], images.rows = dims[1], images.cols = dims[2];
  if (images.rows == 0 || images.cols == 0)
    throw IoError("IDX file '" + path + "', bytes 8-15: image size is " +
                  std::to_string(images.rows) + "x" + std::to_string(images.cols) +
                  ", expected both dimensions positive");
  // Each dimension is below 2^32, so rows*cols fits in 64 unsigned bits; the product with count
  // may not.
  const auto image_bytes = static_cast<uint64_t>(images.rows) * static_cast<uint64_t>(images.cols);
  if (image_bytes > kMaxImageBytes)
    throw IoError("IDX file '" + path + "', bytes 8-15: image size is " +
                  std::to_string(images.rows) + "x" + std::to_string(images.cols) +
                  ", more than the " + std::to_string(kMaxImageBytes) +
                  " pixels an IDX image may have");
  const auto count = static_cast<uint64_t>(images.count);
  if (count > uint64_t(std::numeric_limits<int64_t>::max()) / image_bytes)
    throw IoError("IDX file '" + path + "', bytes 4-15: " + std::to_string(count) + " images of " +
                  std::to_string(image_bytes) + " bytes do not fit in memory");
  images.pixels = read_payload(reader, count * image_bytes, "pixels");
  return images;
}

std::vector<uint8_t> read_idx_labels(const std::string& path) {
  ByteReader reader(path);
  const auto dims = read_header(reader, kLabelsMagic, 1, "labels: unsigned bytes, 1 dimension");
  return read_payload(reader, static_cast<uint64_t>(dims[0]), "labels");
}

IdxDataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                            int64_t num_classes) {
  if (num_classes <= 0)
    throw ParamError("load_idx_dataset: num_classes must be positive, got " +
                     std::to_string(num_classes));
  IdxDataset data;
  data.images = read_idx_images(images_path);
  data.labels = read_idx_labels(labels_path);
  const auto label_count = static_cast<int64_t>(data.labels.size());
  if (label_count != data.images.count)
    throw DataError("IDX images '" + images_path + "' hold " + std::to_string(data.images.count) +
                    " images but labels '" + labels_path + "' hold " + std::to_string(label_count) +
                    " labels; expected one label per image");
  for (int64_t i = 0; i < label_count; ++i) {
    const int label = data.labels[static_cast<size_t>(i)];
    if (label >= num_classes)
      throw DataError("IDX labels '" + labels_path + "': label at index " + std::to_string(i) +
                      " (byte " + std::to_string(8 + i) + ") is " + std::to_string(label) +
                      ", expected 0.." + std::to_string(num_classes - 1) + " for " +
                      std::to_string(num_classes) + " classes");
  }
  return data;
}

IdxSplitPaths find_idx_files(const std::string& folder, bool test_only) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(folder, error))
    throw IoError("IDX folder '" + folder + "' does not exist or is not a directory");
  std::string missing;
  auto find = [&](const std::string& name, bool required = true) -> std::string {
    for (const std::string& candidate : {name, name + ".gz"}) {
      const fs::path path = fs::path(folder) / candidate;
      if (fs::is_regular_file(path, error)) return path.string();
    }
    if (required) missing += (missing.empty() ? "" : ", ") + name + "[.gz]";
    return {};
  };
  IdxSplitPaths paths;
  paths.train_images = find("train-images-idx3-ubyte", !test_only);
  paths.train_labels = find("train-labels-idx1-ubyte", !test_only);
  paths.test_images = find("t10k-images-idx3-ubyte");
  paths.test_labels = find("t10k-labels-idx1-ubyte");
  if (!missing.empty())
    throw IoError("IDX folder '" + folder + "' lacks " + missing +
                  "; expected the four MNIST-named files train-images-idx3-ubyte, "
                  "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
                  "each raw or gzipped (.gz)");
  return paths;
}

}  // namespace svertka
