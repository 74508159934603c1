#include "svertka/data/idx.h"

#include <unistd.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "op_test_helpers.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kImagesMagic = 0x00000803, kLabelsMagic = 0x00000801;

std::vector<uint8_t> idx_file(uint32_t magic, const std::vector<uint32_t>& dims,
                              const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> bytes;
  auto put = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(uint8_t(v >> shift));
  };
  put(magic);
  for (uint32_t d : dims) put(d);
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(n);
  for (auto& b : bytes) b = uint8_t(rng());
  return bytes;
}

void write_raw(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << "cannot write " << path;
  EXPECT_EQ(gzwrite(file, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  EXPECT_EQ(gzclose(file), Z_OK);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Each test gets a fresh temporary folder, removed afterwards.
class Idx : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("svertka_idx_" + std::string(info->name()) + "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    folder_ = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  // A path in the folder, alive for the whole test so message checks may hold its c_str().
  const std::string& path(const std::string& name) {
    return paths_.try_emplace(name, (dir_ / name).string()).first->second;
  }

  fs::path dir_;
  std::string folder_;
  std::map<std::string, std::string> paths_;
};

TEST_F(Idx, ReadsRawAndGzipFilesAlike) {
  const auto pixels = random_bytes(5 * 3 * 4, 1);
  const std::vector<uint8_t> labels{0, 9, 4, 4, 1};
  const auto images_file = idx_file(kImagesMagic, {5, 3, 4}, pixels);
  write_raw(path("images"), images_file);
  write_gzip(path("images.gz"), images_file);
  // gzip members back to back read as one stream, as gzip(1) reads them.
  write_gzip(path("part1.gz"), std::vector<uint8_t>(images_file.begin(), images_file.begin() + 10));
  write_gzip(path("part2.gz"), std::vector<uint8_t>(images_file.begin() + 10, images_file.end()));
  auto joined = read_bytes(path("part1.gz"));
  const auto part2 = read_bytes(path("part2.gz"));
  joined.insert(joined.end(), part2.begin(), part2.end());
  write_raw(path("joined.gz"), joined);
  write_raw(path("labels"), idx_file(kLabelsMagic, {5}, labels));
  write_gzip(path("labels.gz"), idx_file(kLabelsMagic, {5}, labels));

  std::ifstream gz(path("images.gz"), std::ios::binary);
  ASSERT_EQ(gz.get(), 0x1f) << "the test's gzip file is not gzip";
  ASSERT_EQ(gz.get(), 0x8b);

  for (const char* name : {"images", "images.gz", "joined.gz"}) {
    SCOPED_TRACE(name);
    const IdxImages images = read_idx_images(path(name));
    EXPECT_EQ(images.count, 5);
    EXPECT_EQ(images.rows, 3);
    EXPECT_EQ(images.cols, 4);
    EXPECT_EQ(images.pixels, pixels);
  }
  EXPECT_EQ(read_idx_labels(path("labels")), labels);
  EXPECT_EQ(read_idx_labels(path("labels.gz")), labels);

  const IdxDataset data = load_idx_dataset(path("images.gz"), path("labels"));
  EXPECT_EQ(data.size(), 5);
  EXPECT_EQ(data.images.pixels, pixels);
  EXPECT_EQ(data.labels, labels);
}

TEST_F(Idx, WrongMagicIsIoErrorNamingFile) {
  write_raw(path("labels"), idx_file(kLabelsMagic, {2}, {1, 2}));
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("labels")), IoError, path("labels").c_str(),
                            "byte 0", "0x00000801", "expected 0x00000803", "label file");
  write_gzip(path("images.gz"), idx_file(kImagesMagic, {1, 1, 1}, {7}));
  SVERTKA_EXPECT_THROW_WITH(read_idx_labels(path("images.gz")), IoError, path("images.gz").c_str(),
                            "expected 0x00000801", "image file");
  write_raw(path("junk"), idx_file(0x12345678, {1, 1, 1}, {7}));
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("junk")), IoError, path("junk").c_str(),
                            "0x12345678");
}

TEST_F(Idx, TruncatedPayloadIsIoError) {
  // 3 images of 2x2 announce 12 bytes of pixels.
  write_raw(path("short"), idx_file(kImagesMagic, {3, 2, 2}, random_bytes(10, 2)));
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("short")), IoError, path("short").c_str(),
                            "expected 12 bytes of pixels after the header", "found 10");
  write_gzip(path("short.gz"), idx_file(kImagesMagic, {3, 2, 2}, random_bytes(10, 2)));
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("short.gz")), IoError, path("short.gz").c_str(),
                            "expected 12 bytes of pixels after the header", "found 10");
  write_raw(path("long"), idx_file(kImagesMagic, {3, 2, 2}, random_bytes(15, 3)));
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("long")), IoError, path("long").c_str(),
                            "expected 12 bytes", "found 15");
  write_raw(path("labels"), idx_file(kLabelsMagic, {4}, {1, 2, 3}));
  SVERTKA_EXPECT_THROW_WITH(read_idx_labels(path("labels")), IoError, path("labels").c_str(),
                            "expected 4 bytes of labels after the header", "found 3");
  write_raw(path("header"), {0, 0, 8, 3, 0, 0, 0});
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("header")), IoError, path("header").c_str(),
                            "ends after 7 bytes", "16-byte header");
  write_raw(path("empty"), {});
  SVERTKA_EXPECT_THROW_WITH(read_idx_labels(path("empty")), IoError, "ends after 0 bytes");
}

TEST_F(Idx, TruncatedGzipIsIoError) {
  // Random pixels do not compress, so half the .gz is half the deflate stream. 400 KB of them make
  // the pixel read one large read that ends where the deflate data does, which is where gzread
  // would miss a cut trailer.
  const auto file = idx_file(kImagesMagic, {100, 64, 64}, random_bytes(100 * 64 * 64, 4));
  write_gzip(path("full.gz"), file);
  ASSERT_EQ(read_idx_images(path("full.gz")).count, 100);
  const auto size = fs::file_size(path("full.gz"));
  const auto bytes = read_bytes(path("full.gz"));

  // Half the file, then every pixel but part of the trailer (CRC-32, length): errors, not data.
  for (const size_t cut : {size / 2, size_t{8}, size_t{4}, size_t{3}, size_t{1}}) {
    SCOPED_TRACE("cut " + std::to_string(cut) + " bytes");
    write_raw(path("cut.gz"), std::vector<uint8_t>(bytes.begin(), bytes.end() - long(cut)));
    SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("cut.gz")), IoError, path("cut.gz").c_str(),
                              "decompressing gzip", "truncated");
  }

  std::vector<uint8_t> bad_crc = bytes;
  bad_crc[size - 8] ^= 0xff;
  write_raw(path("crc.gz"), bad_crc);
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("crc.gz")), IoError, path("crc.gz").c_str(),
                            "incorrect data check");

  std::vector<uint8_t> corrupt = bytes;
  corrupt[size / 2] ^= 0xff;
  write_raw(path("corrupt.gz"), corrupt);
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("corrupt.gz")), IoError,
                            path("corrupt.gz").c_str(), "decompressing gzip");

  std::vector<uint8_t> trailing = bytes;
  trailing.insert(trailing.end(), {0, 0, 0, 0});
  write_raw(path("trailing.gz"), trailing);
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("trailing.gz")), IoError,
                            path("trailing.gz").c_str(), "followed by data that is not gzip");
}

TEST_F(Idx, LabelOutOfRangeIsDataErrorNamingIndex) {
  write_raw(path("images"), idx_file(kImagesMagic, {4, 1, 1}, {1, 2, 3, 4}));
  write_raw(path("labels"), idx_file(kLabelsMagic, {4}, {1, 0, 10, 3}));
  SVERTKA_EXPECT_THROW_WITH(load_idx_dataset(path("images"), path("labels")), DataError,
                            path("labels").c_str(), "index 2", "is 10", "0..9");
  SVERTKA_EXPECT_THROW_WITH(load_idx_dataset(path("images"), path("labels"), 1), DataError,
                            "index 0", "is 1", "1 classes");
  EXPECT_EQ(load_idx_dataset(path("images"), path("labels"), 11).labels[2], 10);
}

TEST_F(Idx, CountMismatchIsDataError) {
  write_raw(path("images"), idx_file(kImagesMagic, {4, 2, 2}, random_bytes(16, 5)));
  write_raw(path("labels"), idx_file(kLabelsMagic, {3}, {1, 2, 3}));
  SVERTKA_EXPECT_THROW_WITH(load_idx_dataset(path("images"), path("labels")), DataError,
                            path("images").c_str(), path("labels").c_str(), "4 images", "3 labels");
}

TEST_F(Idx, MissingFileIsIoErrorNamingPath) {
  SVERTKA_EXPECT_THROW_WITH(read_idx_images(path("absent")), IoError, path("absent").c_str(),
                            "No such file");
  SVERTKA_EXPECT_THROW_WITH(read_idx_labels(path("absent.gz")), IoError, path("absent.gz").c_str());
  write_raw(path("images"), idx_file(kImagesMagic, {1, 1, 1}, {7}));
  SVERTKA_EXPECT_THROW_WITH(load_idx_dataset(path("images"), path("absent")), IoError,
                            path("absent").c_str());
}

TEST_F(Idx, FindsMnistNamedFilesInFolder) {
  const auto images = idx_file(kImagesMagic, {1, 1, 1}, {7});
  const auto labels = idx_file(kLabelsMagic, {1}, {7});
  write_gzip(path("train-images-idx3-ubyte.gz"), images);
  write_raw(path("train-labels-idx1-ubyte"), labels);
  write_raw(path("t10k-images-idx3-ubyte"), images);
  write_gzip(path("t10k-labels-idx1-ubyte.gz"), labels);
  write_raw(path("unrelated-idx1-ubyte"), labels);

  const IdxSplitPaths paths = find_idx_files(folder_);
  EXPECT_EQ(paths.train_images, path("train-images-idx3-ubyte.gz"));
  EXPECT_EQ(paths.train_labels, path("train-labels-idx1-ubyte"));
  EXPECT_EQ(paths.test_images, path("t10k-images-idx3-ubyte"));
  EXPECT_EQ(paths.test_labels, path("t10k-labels-idx1-ubyte.gz"));
  EXPECT_EQ(load_idx_dataset(paths.train_images, paths.train_labels).size(), 1);

  fs::remove(path("t10k-labels-idx1-ubyte.gz"));
  SVERTKA_EXPECT_THROW_WITH(find_idx_files(folder_), IoError, folder_.c_str(),
                            "lacks t10k-labels-idx1-ubyte[.gz]", "train-images-idx3-ubyte");
  SVERTKA_EXPECT_THROW_WITH(find_idx_files(path("no-such-folder")), IoError,
                            path("no-such-folder").c_str(), "not a directory");
}

TEST_F(Idx, ReadsDebianFashionMnistWhenInstalled) {
  const std::string folder = "/usr/share/datasets/fashion-mnist";
  if (!fs::is_directory(folder))
    GTEST_SKIP() << folder << " is absent; install Debian's dataset-fashion-mnist to run this test";
  const IdxSplitPaths paths = find_idx_files(folder);
  const IdxDataset train = load_idx_dataset(paths.train_images, paths.train_labels);
  const IdxDataset test = load_idx_dataset(paths.test_images, paths.test_labels);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  for (const IdxDataset* data : {&train, &test}) {
    EXPECT_EQ(data->images.rows, 28);
    EXPECT_EQ(data->images.cols, 28);
    EXPECT_EQ(data->images.pixels.size(), size_t(data->size()) * 28 * 28);
  }
  std::array<int64_t, 10> train_counts{}, test_counts{};
  for (uint8_t label : train.labels) ++train_counts.at(label);
  for (uint8_t label : test.labels) ++test_counts.at(label);
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(train_counts[size_t(c)], 6000) << "class " << c;
    EXPECT_EQ(test_counts[size_t(c)], 1000) << "class " << c;
  }
}

}  // namespace
}  // namespace svertka::testing
