// Crafted datasets: an image list naming a directory or an absurd label, an IDX header claiming
// huge images. Each is a typed error naming the file (or skipped with skip_bad), never a crash.
#include <gtest/gtest.h>

#include <filesystem>

#include "hostile_input.h"
#include "image_test_helpers.h"
#include "svertka/data/idx.h"
#include "svertka/data/image_decode.h"
#include "svertka/data/image_list.h"
#include "svertka/data/image_source.h"
#include "svertka/data/image_stats.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

ImageSourceOptions small_options(bool skip_bad) {
  ImageSourceOptions o;
  o.transform.scale_min = o.transform.scale_max = 20;
  o.transform.crop = 16;
  o.skip_bad = skip_bad;
  return o;
}

// A list of a directory (first) and a real image.
std::string write_list_with_a_directory(const HostileDir& dir) {
  std::filesystem::create_directories(dir.file("folder.jpg"));
  write_image(dir.file("good.jpg"), pattern_image(24, 24, 1));
  return dir.write("list.txt", "folder.jpg 0\ngood.jpg 1\n");
}

TEST(HostileData, ImageListNamingADirectoryIsADataError) {
  HostileDir dir;
  const ImageBatchSource source(read_image_list(write_list_with_a_directory(dir)),
                                small_options(false));
  std::vector<float> sample(3 * 16 * 16);
  expect_error<DataError>([&] { source.load_sample(0, false, 1, 0, sample.data()); },
                          {dir.file("folder.jpg"), "list.txt:1"});
}

TEST(HostileData, SkipBadSkipsADirectory) {
  HostileDir dir;
  const ImageBatchSource source(read_image_list(write_list_with_a_directory(dir)),
                                small_options(true));
  std::vector<float> sample(3 * 16 * 16);
  EXPECT_EQ(source.load_sample(0, false, 1, 0, sample.data()), 1);  // good.jpg stands in
  ASSERT_EQ(source.bad_images().size(), 1u);
  EXPECT_NE(source.bad_images()[0].find("folder.jpg"), std::string::npos);
}

TEST(HostileData, ImageStatisticsSkipOrReportADirectory) {
  HostileDir dir;
  const ImageList list = read_image_list(write_list_with_a_directory(dir));
  expect_error<DataError>([&] { compute_image_stats(list, {.size = 8, .workers = 2}); },
                          {dir.file("folder.jpg")});
  const ImageStatsResult r = compute_image_stats(list, {.size = 8, .skip_bad = true});
  EXPECT_EQ(r.stats.images, 1);
  ASSERT_EQ(r.skipped.size(), 1u);
}

TEST(HostileData, LabelOfABillionIsADataError) {
  HostileDir dir;
  const std::string path = dir.write("list.txt", "a.jpg 0\nb.jpg 1000000000\n");
  expect_error<DataError>([&] { read_image_list(path); }, {path, "line 2", "classes"});
}

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

TEST(HostileData, IdxHeaderClaimingHugeImagesFailsBeforeAllocating) {
  HostileDir dir;
  for (const uint32_t side : {uint32_t{1} << 31, uint32_t{0xffffffff}}) {
    SCOPED_TRACE(side);
    const std::string path =
        dir.write("images", be32(0x803) + be32(1) + be32(side) + be32(side) + "xxxx");
    expect_error<IoError>([&] { read_idx_images(path); }, {path, "image size"});
  }
}

TEST(HostileData, IdxHeaderClaimingMoreImagesThanTheFileHoldsFailsBeforeReading) {
  HostileDir dir;
  const std::string path =
      dir.write("images", be32(0x803) + be32(0x7fffffff) + be32(4096) + be32(4096) + "xxxx");
  expect_error<IoError>([&] { read_idx_images(path); }, {path, "found 4"});
}

// A few hundred bytes may declare 65535 x 65535 pixels (12.9 GB as BGR; found by fuzz_image_decode):
// refused from the header, before anything is allocated.
TEST(HostileData, ImageHeaderClaimingGiganticPixelsFailsBeforeAllocating) {
  std::vector<uint8_t> jpeg = encode(".jpg", cv::Mat(8, 8, CV_8UC3, cv::Scalar(10, 20, 30)));
  for (size_t i = 0; i + 8 < jpeg.size(); ++i)
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xc0) {  // SOF0: length (2), precision, height, width
      for (size_t k = 5; k < 9; ++k) jpeg[i + k] = 0xff;
      break;
    }
  expect_error<DataError>([&] { decode_image(jpeg, "huge.jpg"); },
                          {"huge.jpg", "65535x65535", "pixels an image may have"});
  // Also when it would be decoded at 1/8 (512 million blocks' worth of work for 67 million
  // pixels out).
  expect_error<DataError>([&] { decode_image(jpeg, "huge.jpg", 256, 256); },
                          {"huge.jpg", "65535x65535", "pixels an image may have"});
  std::vector<uint8_t> png = encode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(10, 20, 30)));
  for (size_t k = 16; k < 24; ++k) png[k] = k % 4 == 1 ? 1 : 0;  // IHDR: 65536 x 65536
  expect_error<DataError>([&] { decode_image(png, "huge.png"); },
                          {"huge.png", "65536x65536", "pixels an image may have"});
  for (size_t k = 16; k < 24; ++k) png[k] = 0xff;  // 2^32 - 1 a side: the product overflows int64
  expect_error<DataError>([&] { decode_image(png, "huger.png"); },
                          {"huger.png", "4294967295x4294967295", "pixels an image may have"});
}

}  // namespace
}  // namespace svertka::testing
