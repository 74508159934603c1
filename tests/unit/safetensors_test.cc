#include "svertka/io/safetensors.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "op_test_helpers.h"
#include "svertka/io/atomic_file.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed with its contents at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("svertka_" + std::string(test->test_suite_name()) + "_" +
                                         test->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::string le64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char((value >> (8 * i)) & 0xff);
  return bytes;
}

std::string float_bytes(std::initializer_list<float> values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.begin(), bytes.size());
  return bytes;
}

// A file built by hand from the spec: u64 LE header length, the JSON header padded with spaces so
// that the data section starts at a multiple of `alignment` (the reference writer: 8), then the
// data section.
std::string safetensors_bytes(std::string header, const std::string& data, size_t alignment = 8) {
  header.append((alignment - (8 + header.size()) % alignment) % alignment, ' ');
  return le64(header.size()) + header + data;
}

Tensor tensor_of(Shape shape, std::initializer_list<float> values) {
  Tensor t(std::move(shape));
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.bytes()) == 0;
}

TEST(Safetensors, RoundTripPreservesNamesShapesValuesAndMetadata) {
  ScratchDir dir;
  const std::string path = dir.file("weights.safetensors");
  Tensor special = tensor_of(Shape{2, 3}, {-0.0f, std::numeric_limits<float>::infinity(),
                                           std::numeric_limits<float>::quiet_NaN(),
                                           std::numeric_limits<float>::denorm_min(), 1e38f, -7});
  const std::vector<NamedTensor> saved = {
      {"conv1.weight", random_tensor<float>(Shape{4, 3, 3, 3}, 1)},
      {"conv1.bias", random_tensor<float>(Shape{4}, 2)},
      {"fc8.weight", random_tensor<float>(Shape{10, 36}, 3)},
      {"special", special},
      {"empty", Tensor(Shape{0, 3})},
      {"scalar", tensor_of(Shape{}, {42})},
  };
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"iteration", "1200"}};
  save_safetensors(path, saved, metadata);

  const SafetensorsContents loaded = load_safetensors(path);
  EXPECT_EQ(loaded.path, path);
  EXPECT_EQ(loaded.metadata, metadata);
  ASSERT_EQ(loaded.tensors.size(), saved.size());
  for (size_t i = 0; i < saved.size(); ++i) {
    SCOPED_TRACE(saved[i].name);
    EXPECT_EQ(loaded.tensors[i].name, saved[i].name);  // file offset order = the order given
    EXPECT_TRUE(same_bits(loaded.tensors[i].tensor, saved[i].tensor));
    EXPECT_TRUE(loaded.contains(saved[i].name));
    EXPECT_TRUE(same_bits(loaded.at(saved[i].name), saved[i].tensor));
  }
  EXPECT_FALSE(loaded.contains("conv2.weight"));
  SVERTKA_EXPECT_THROW_WITH(loaded.at("conv2.weight"), NotFoundError, path.c_str(),
                            "'conv2.weight'", "conv1.bias");
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"weights.safetensors"});

  SVERTKA_EXPECT_THROW_WITH(save_safetensors(path, {saved[0], saved[1], saved[0]}), ParamError,
                            path.c_str(), "two tensors are named 'conv1.weight'");
  SVERTKA_EXPECT_THROW_WITH(save_safetensors(path, {{"__metadata__", special}}), ParamError,
                            "reserved");
  SVERTKA_EXPECT_THROW_WITH(save_safetensors(path, {{"w", Tensor()}}), ParamError, "'w'",
                            "undefined");
}

TEST(Safetensors, MatchesTheFormatByteForByte) {
  ScratchDir dir;
  // Read: a file written per the spec, its header listing tensors out of data order.
  const std::string by_hand = dir.file("by_hand.safetensors");
  write_bytes(by_hand,
              safetensors_bytes(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
                                R"("a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
                                R"("__metadata__":{"format":"pt"}})",
                                float_bytes({1.5f, -2.0f, 0.25f})));
  const SafetensorsContents loaded = load_safetensors(by_hand);
  ASSERT_EQ(loaded.tensors.size(), 2u);
  EXPECT_EQ(loaded.tensors[0].name, "a");
  EXPECT_TRUE(same_bits(loaded.tensors[0].tensor, tensor_of(Shape{1, 2}, {1.5f, -2.0f})));
  EXPECT_EQ(loaded.tensors[1].name, "b");
  EXPECT_TRUE(same_bits(loaded.tensors[1].tensor, tensor_of(Shape{1}, {0.25f})));
  EXPECT_EQ(loaded.metadata, (std::map<std::string, std::string>{{"format", "pt"}}));

  // Write: the exact bytes, with the header laid out as the reference writer lays it out, padded
  // further so that the data section starts on a 64-byte boundary (a mapping's tensors are
  // aligned).
  const std::string saved = dir.file("saved.safetensors");
  save_safetensors(saved,
                   {{"w", tensor_of(Shape{2}, {1.5f, -2.0f})}, {"b", tensor_of(Shape{1}, {0.25f})}},
                   {{"format", "pt"}});
  const std::string bytes = read_file(saved);
  EXPECT_EQ(bytes, safetensors_bytes(R"({"__metadata__":{"format":"pt"},)"
                                     R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                     float_bytes({1.5f, -2.0f, 0.25f}), 64));

  // The same checks a generic reader makes, for a clearer failure than a byte diff.
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | uint8_t(bytes[size_t(i)]);
  EXPECT_EQ(n % 8, 0u) << "the data section must start 8-byte aligned";
  EXPECT_EQ((8 + n) % 64, 0u) << "svertka starts the data section on a 64-byte boundary";
  ASSERT_EQ(bytes.size(), 8 + n + 12);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.find_first_not_of(' ', header.rfind('}') + 1), std::string::npos);
  const auto json = nlohmann::json::parse(header);
  EXPECT_EQ(json["w"]["data_offsets"], nlohmann::json::parse("[0,8]"));
  EXPECT_EQ(json["b"]["shape"], nlohmann::json::parse("[1]"));
  EXPECT_EQ(bytes.substr(8 + n), float_bytes({1.5f, -2.0f, 0.25f}));
}

// A large tensor in a file svertka wrote lies where it is in a copy-on-write mapping of the file:
// the same values as read, and writing to it (training from loaded weights) leaves the file as it
// was. A file whose data section is only 8-byte aligned (the reference writer's) is read by copy,
// with the same values.
TEST(Safetensors, LargeTensorsAreMappedCopyOnWrite) {
  ScratchDir dir;
  const std::string path = dir.file("large.safetensors");
  Tensor large(Shape{128, 256});  // 128 KiB, over the size worth a mapping
  for (int64_t i = 0; i < large.numel(); ++i) large[i] = float(i % 1000) * 0.5f;
  save_safetensors(path, {{"w", large}, {"b", tensor_of(Shape{2}, {1.0f, 2.0f})}});
  const std::string before = read_file(path);

  SafetensorsContents loaded = load_safetensors(path);
  Tensor& w = loaded.tensors[0].tensor;
  EXPECT_TRUE(same_bits(w, large));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.data()) % kTensorAlignment, 0u);
  w[0] = -7.0f;
  w[w.numel() - 1] = -8.0f;
  EXPECT_EQ(read_file(path), before) << "a write to a loaded tensor reached the file";
  EXPECT_TRUE(same_bits(load_safetensors(path).at("w"), large));

  const std::string header = R"({"w":{"dtype":"F32","shape":[128,256],"data_offsets":[0,131072]}})";
  const std::string unaligned = dir.file("unaligned.safetensors");
  std::ofstream(unaligned, std::ios::binary)
      << safetensors_bytes(header, before.substr(before.size() - 8 - 131072, 131072), 8);
  EXPECT_TRUE(same_bits(load_safetensors(unaligned).at("w"), large));
}

TEST(Safetensors, TruncatedFileIsIoErrorNamingTensor) {
  ScratchDir dir;
  const std::string path = dir.file("truncated.safetensors");
  save_safetensors(path, {{"conv1.bias", random_tensor<float>(Shape{2}, 1)},
                          {"conv1.weight", random_tensor<float>(Shape{2, 1, 2, 2}, 2)}});
  const auto size = fs::file_size(path);
  const auto data_start = size - 40;

  fs::resize_file(path, size - 4);
  SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, path.c_str(),
                            "tensor 'conv1.weight' needs bytes [8,40) of the data section but "
                            "the file holds only 36");
  fs::resize_file(path, data_start - 3);
  const std::string follow = "only " + std::to_string(data_start - 11) + " bytes follow";
  SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, path.c_str(),
                            "header length in bytes 0-7 is", follow.c_str());
  fs::resize_file(path, 5);
  SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, path.c_str(), "5 bytes",
                            "8-byte header length");
}

TEST(Safetensors, CorruptHeaderIsIoError) {
  ScratchDir dir;
  const std::string path = dir.file("corrupt.safetensors");
  save_safetensors(path, {{"w", random_tensor<float>(Shape{3}, 1)}});
  std::string bytes = read_file(path);
  bytes[8] = '#';  // the header's opening brace
  write_bytes(path, bytes);
  SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, path.c_str(), "not valid JSON",
                            "parse error");

  const std::pair<std::string, const char*> cases[] = {
      {R"({"w":{"dtype":"F32","shape":[1],"data_offsets":)", "not valid JSON"},
      {R"([1,2])", "must be a JSON object"},
      {R"({"w":{"dtype":"F32","shape":[1]}})", "tensor 'w' has no \"data_offsets\""},
      {R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "0 <= begin <= end"},
      {R"({"w":"F32"})", "tensor 'w': expected an object"},
      {R"({"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
       "'epoch' is 3"},
  };
  for (const auto& [header, expected] : cases) {
    SCOPED_TRACE(header);
    write_bytes(path, safetensors_bytes(header, float_bytes({1})));
    SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, path.c_str(), expected);
  }
}

TEST(Safetensors, InconsistentOffsetsAreIoError) {
  ScratchDir dir;
  const std::string path = dir.file("offsets.safetensors");
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::pair<std::string, const char*> cases[] = {
      {R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
       "tensor 'a' has shape (3) (12 bytes as F32) but data_offsets [0,8) span 8 bytes"},
      {"{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
       "tensor 'b' at [4,8) overlaps tensor 'a' at [0,8)"},
      {"{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
       "bytes [8,12) of the data section, before tensor 'b', belong to no tensor"},
      {"{" + a + "}", "the data section holds 16 bytes but the tensors cover only 8"},
  };
  for (const auto& [header, expected] : cases) {
    SCOPED_TRACE(header);
    write_bytes(path, safetensors_bytes(header, float_bytes({1, 2, 3, 4})));
    SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, path.c_str(), expected);
  }
}

TEST(Safetensors, UnsupportedDtypeIsIoError) {
  ScratchDir dir;
  const std::string path = dir.file("f64.safetensors");
  for (const char* dtype : {"F64", "I64", "F16"}) {
    write_bytes(path, safetensors_bytes(std::string(R"({"fc.weight":{"dtype":")") + dtype +
                                            R"(","shape":[1],"data_offsets":[0,8]}})",
                                        float_bytes({1, 2})));
    const std::string named = std::string("dtype ") + dtype;
    SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, path.c_str(), "'fc.weight'",
                              named.c_str(), "only F32");
  }
}

TEST(Safetensors, MissingFileIsIoErrorNamingPath) {
  ScratchDir dir;
  const std::string path = dir.file("absent.safetensors");
  const std::string cannot_open = "cannot open " + path;
  SVERTKA_EXPECT_THROW_WITH(load_safetensors(path), IoError, cannot_open.c_str(),
                            "No such file or directory");
  SVERTKA_EXPECT_THROW_WITH(read_file(path), IoError, cannot_open.c_str(),
                            "No such file or directory");
}

TEST(Safetensors, ShapesComeFromTheHeaderAlone) {
  ScratchDir dir;
  const std::string path = dir.file("weights.safetensors");
  save_safetensors(path,
                   {{"conv1.weight", random_tensor<float>(Shape{20, 1, 5, 5}, 1)},
                    {"conv1.bias", random_tensor<float>(Shape{20}, 2)}},
                   {{"format", "pt"}});
  EXPECT_EQ(read_safetensors_shapes(path),
            (std::map<std::string, Shape>{{"conv1.bias", Shape{20}},
                                          {"conv1.weight", Shape{20, 1, 5, 5}}}));
  // The same checks of the header as a full load: a file cut inside the data fails.
  fs::resize_file(path, fs::file_size(path) - 4);
  SVERTKA_EXPECT_THROW_WITH(read_safetensors_shapes(path), IoError, path.c_str(),
                            "the file holds only");
  SVERTKA_EXPECT_THROW_WITH(read_safetensors_shapes(dir.file("missing.safetensors")), IoError,
                            "missing.safetensors");
}

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTemporary) {
  ScratchDir dir;
  const std::string path = dir.file("state.bin");
  write_file_atomically(path, [](std::ostream& out) { out << "first"; });
  write_file_atomically(path, [](std::ostream& out) { out << "second"; });
  EXPECT_EQ(read_file(path), "second");
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"state.bin"});
}

TEST(AtomicFile, FailedWriteLeavesExistingFileIntact) {
  ScratchDir dir;
  const std::string path = dir.file("weights.safetensors");
  save_safetensors(path, {{"w", random_tensor<float>(Shape{8}, 1)}});
  const std::string before = read_file(path);

  // Enough output to reach the temporary file before the writer fails.
  EXPECT_THROW(write_file_atomically(path,
                                     [](std::ostream& out) {
                                       out << std::string(1 << 20, 'x');
                                       throw std::runtime_error("writer failed midway");
                                     }),
               std::runtime_error);
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"weights.safetensors"});

  // A rename that fails (the target is a non-empty directory) also cleans up.
  const std::string taken = dir.file("taken");
  fs::create_directories(taken + "/inside");
  SVERTKA_EXPECT_THROW_WITH(write_file_atomically(taken, [](std::ostream& out) { out << "data"; }),
                            IoError, taken.c_str(), "rename");
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"taken", "weights.safetensors"}));
}

TEST(AtomicFile, UnwritableDirectoryIsIoError) {
  ScratchDir dir;
  const auto write_data = [](std::ostream& out) { out << "data"; };
  const std::string missing = dir.file("missing/state.bin");
  SVERTKA_EXPECT_THROW_WITH(write_file_atomically(missing, write_data), IoError, missing.c_str(),
                            "No such file or directory");
  write_bytes(dir.file("plain"), "a file, not a directory");
  const std::string under_file = dir.file("plain/state.bin");
  SVERTKA_EXPECT_THROW_WITH(write_file_atomically(under_file, write_data), IoError,
                            under_file.c_str(), "Not a directory");

  // Root ignores permission bits, so this part only means something for other users.
  if (::geteuid() != 0) {
    fs::create_directories(dir.file("read_only"));
    fs::permissions(dir.file("read_only"), fs::perms::owner_read | fs::perms::owner_exec);
    const std::string denied = dir.file("read_only/state.bin");
    SVERTKA_EXPECT_THROW_WITH(write_file_atomically(denied, write_data), IoError, denied.c_str(),
                              "Permission denied");
  }
  EXPECT_EQ(dir.listing().size(), ::geteuid() != 0 ? 2u : 1u);
}

// A quantized model's weight codes (svertka quantize) are stored one byte each as I8 and read back
// as the same integers; a value that is no int8 is refused before anything is written.
TEST(Safetensors, Int8TensorsRoundTripAsOneByteEach) {
  ScratchDir dir;
  const std::string path = dir.file("q.safetensors");
  Tensor codes(Shape{2, 3});
  const float values[] = {-128, -1, 0, 1, 64, 127};
  for (int64_t i = 0; i < 6; ++i) codes[i] = values[i];
  Tensor scale(Shape{2});
  scale[0] = 0.5f, scale[1] = 0.25f;
  save_safetensors(path, {{"fc.weight", codes, StoredType::kI8}, {"fc.weight_scale", scale}});
  EXPECT_EQ(fs::file_size(path) % 8, (6 + 8) % 8);  // 6 bytes of codes + 8 of scales after the header
  const SafetensorsContents read = load_safetensors(path);
  ASSERT_EQ(read.tensors.size(), 2u);
  EXPECT_EQ(read.tensors[0].stored, StoredType::kI8);
  EXPECT_EQ(read.tensors[1].stored, StoredType::kF32);
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(read.at("fc.weight")[i], values[i]);
  EXPECT_EQ(read.at("fc.weight_scale")[1], 0.25f);

  codes[2] = 0.5f;
  SVERTKA_EXPECT_THROW_WITH(save_safetensors(path, {{"fc.weight", codes, StoredType::kI8}}),
                            ParamError, "'fc.weight'", "I8", "0.5");
  codes[2] = 128;
  EXPECT_THROW(save_safetensors(path, {{"fc.weight", codes, StoredType::kI8}}), ParamError);
}

}  // namespace
}  // namespace svertka::testing
