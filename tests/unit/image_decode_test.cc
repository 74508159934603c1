#include "svertka/data/image_decode.h"

#include <gtest/gtest.h>

#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/jpeg_decode.h"
#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

// A 16x8 CMYK JPEG (Adobe), left half pure cyan, right half pure yellow, written by Pillow:
//   im = Image.new("CMYK", (16, 8)); pixels (255,0,0,0) for x < 8 else (0,0,255,0);
//   im.save(f, "JPEG", quality=95)
// OpenCV cannot write CMYK JPEGs, so the 361 bytes are kept here.
const std::vector<uint8_t> kCmykJpeg = {
    
0xff, 0xd8, 0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00,
    0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x02,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01, 0x01, 0x02, 0x02, 0x02,
    0x02, 0x02, 0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04, 0x04, 0x03,
    0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06, 0x07, 0x09,
    0x08, 0x06, 0x07, 0x09, 0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x06, 0x08, 0x0b, 0x0c, 0x0b, 0x0a, 0x0c, 0x09,
    0x0a, 0x0a, 0x0a, 0xff, 0xc0, 0x00, 0x14, 0x08, 0x00, 0x08, 0x00, 0x10,
    0x04, 0x43, 0x11, 0x00, 0x4d, 0x11, 0x00, 0x59, 0x11, 0x00, 0x4b, 0x11,
    0x00, 0xff, 0xc4, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4,
    0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05,
    0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04,
    0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22,
    0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15,
    0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36,
    0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66,
    0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95,
    0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
    0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2,
    0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5,
    0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
    0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0xff, 0xda, 0x00, 0x0e, 0x04, 0x43, 0x00, 0x4d, 0x00, 0x59, 0x00,
    0x4b, 0x00, 0x00, 0x3f, 0x00, 0xfe, 0x7f, 0xeb, 0xf7, 0xf2, 0xbf, 0x7f,
    0x2b, 0xf7, 0xf2, 0xbf, 0xbf, 0xca, 0x2b, 0xf8, 0x03, 0xa2, 0xbf, 0xff,
    0xd9
};

// A photo-like image: the position pattern plus noise, so that every DCT coefficient matters.
cv::Mat noisy_image(int height, int width, int seed) {
  cv::Mat image = pattern_image(height, width, seed), noise(height, width, CV_8UC3);
  cv::theRNG().state = uint64_t(seed);
  cv::randu(noise, 0, 64);
  return image + noise;
}

cv::Mat opencv_decode(const std::vector<uint8_t>& bytes, int flags) {
  return cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data())),
                      flags);
}

// `bytes` with an EXIF block (APP1) right after the start marker: a TIFF header in `order` ("II"
// little-endian or "MM" big-endian) and one directory entry, the orientation tag.
std::vector<uint8_t> with_exif_orientation(std::vector<uint8_t> bytes, char order,
                                           int orientation) {
  std::vector<uint8_t> tiff = {uint8_t(order), uint8_t(order)};
  auto put = [&](uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
      tiff.push_back(uint8_t(value >> 8 * (order == 'I' ? i : bytes - 1 - i)));
  };
  put(42, 2), put(8, 4);  // the directory starts at offset 8
  put(1, 2);              // one entry: tag, type SHORT, count 1, value (padded to 4 bytes)
  put(0x0112, 2), put(3, 2), put(1, 4), put(uint32_t(orientation), 2), put(0, 2);
  put(0, 4);  // no next directory
  std::vector<uint8_t> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  app1[2] = uint8_t((app1.size() - 2) >> 8), app1[3] = uint8_t(app1.size() - 2);
  bytes.insert(bytes.begin() + 2, app1.begin(), app1.end());
  return bytes;
}

void expect_error_naming(const std::function<void()>& decode, const std::string& path,
                         const std::string& reason = "") {
  try {
    decode();
    ADD_FAILURE() << path << " decoded";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

TEST(ImageDecode, PeeksJpegAndPngSizesWithoutDecoding) {
  const cv::Mat image = pattern_image(37, 53, 1);
  for (const char* ext : {".jpg", ".png"}) {
    const auto size = peek_image_size(encode(ext, image));
    ASSERT_TRUE(size.has_value()) << ext;
    EXPECT_EQ(size->height, 37) << ext;
    EXPECT_EQ(size->width, 53) << ext;
  }
  EXPECT_FALSE(peek_image_size({1, 2, 3, 4}).has_value());
}

TEST(ImageDecode, JpegAndPngDecodeToBgrOfTheirSize) {
  const cv::Mat image = pattern_image(31, 45, 3);
  const cv::Mat png = to_mat(decode_image(encode(".png", image), "x.png"));
  ASSERT_EQ(png.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(png, image, cv::NORM_INF), 0);  // lossless
  const cv::Mat jpeg = to_mat(decode_image(encode(".jpg", image), "x.jpg"));
  ASSERT_EQ(jpeg.rows, 31);
  ASSERT_EQ(jpeg.cols, 45);
  EXPECT_LT(cv::norm(jpeg, image, cv::NORM_L1) / double(image.total() * 3), 4.0);
}

TEST(ImageDecode, GreyscaleBecomesThreeEqualChannels) {
  cv::Mat grey(20, 30, CV_8UC1);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 30; ++x) grey.at<uint8_t>(y, x) = uint8_t(8 * x);
  for (const char* ext : {".jpg", ".png"}) {
    const cv::Mat out = to_mat(decode_image(encode(ext, grey), std::string("grey") + ext));
    ASSERT_EQ(out.type(), CV_8UC3) << ext;
    const cv::Vec3b p = out.at<cv::Vec3b>(10, 15);
    EXPECT_EQ(p[0], p[1]) << ext;
    EXPECT_EQ(p[1], p[2]) << ext;
    EXPECT_NEAR(p[0], 120, 4) << ext;
  }
}

TEST(ImageDecode, CmykJpegBecomesBgr) {
  const cv::Mat out = to_mat(decode_image(kCmykJpeg, "cmyk.jpg"));
  ASSERT_EQ(out.type(), CV_8UC3);
  ASSERT_EQ(out.rows, 8);
  ASSERT_EQ(out.cols, 16);
  const cv::Vec3b cyan = out.at<cv::Vec3b>(4, 2), yellow = out.at<cv::Vec3b>(4, 13);
  // Cyan is B and G full, R none; yellow G and R full, B none (BGR order).
  EXPECT_GT(cyan[0], 200);
  EXPECT_GT(cyan[1], 200);
  EXPECT_LT(cyan[2], 60);
  EXPECT_LT(yellow[0], 60);
  EXPECT_GT(yellow[1], 200);
  EXPECT_GT(yellow[2], 200);
}

TEST(ImageDecode, CmykJpegIsLeftToOpenCv) {
  EXPECT_FALSE(decode_jpeg_bgr(kCmykJpeg, "cmyk.jpg", 1).has_value());
  EXPECT_EQ(cv::norm(to_mat(decode_image(kCmykJpeg, "cmyk.jpg")),
                     opencv_decode(kCmykJpeg, cv::IMREAD_COLOR), cv::NORM_INF),
            0);
}

// The same libjpeg with the same settings underneath: not close, identical.
TEST(ImageDecode, JpegGivesOpenCvsPixelsAtEveryReduction) {
  const cv::Mat colour = noisy_image(601, 1103, 3);
  cv::Mat grey;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  const std::vector<std::pair<int, int>> reductions = {{0, cv::IMREAD_COLOR},
                                                       {300, cv::IMREAD_REDUCED_COLOR_2},
                                                       {150, cv::IMREAD_REDUCED_COLOR_4},
                                                       {75, cv::IMREAD_REDUCED_COLOR_8}};
  for (const cv::Mat& image : {colour, grey}) {
    for (const bool progressive : {false, true}) {
      std::vector<uint8_t> bytes;
      ASSERT_TRUE(cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_PROGRESSIVE, progressive}));
      for (const auto& [target, flags] : reductions) {
        const std::string what = std::to_string(image.channels()) + " channels, progressive " +
                                 std::to_string(progressive) + ", target " + std::to_string(target);
        ASSERT_TRUE(decode_jpeg_bgr(bytes, "x.jpg", 1).has_value()) << what;
        const cv::Mat ours = to_mat(decode_image(bytes, "x.jpg", target, target));
        const cv::Mat theirs = opencv_decode(bytes, flags);
        ASSERT_EQ(ours.size(), theirs.size()) << what;
        ASSERT_EQ(ours.type(), theirs.type()) << what;
        EXPECT_EQ(cv::norm(ours, theirs, cv::NORM_INF), 0) << what;
      }
    }
  }
}

// OpenCV turns the image as its EXIF orientation says; such JPEGs are left to it.
TEST(ImageDecode, ExifTurnedJpegComesOutTurnedLikeOpenCvs) {
  const std::vector<uint8_t> plain = encode(".jpg", noisy_image(40, 64, 2));
  for (const char order : {'I', 'M'}) {
    const std::vector<uint8_t> turned = with_exif_orientation(plain, order, 6);
    EXPECT_FALSE(decode_jpeg_bgr(turned, "turned.jpg", 1).has_value()) << order;
    const cv::Mat out = to_mat(decode_image(turned, "turned.jpg"));
    EXPECT_EQ(out.rows, 64) << order;
    EXPECT_EQ(out.cols, 40) << order;
    EXPECT_EQ(cv::norm(out, opencv_decode(turned, cv::IMREAD_COLOR), cv::NORM_INF), 0) << order;
    // Upright (1) needs no turning and stays on the direct path.
    EXPECT_TRUE(decode_jpeg_bgr(with_exif_orientation(plain, order, 1), "up.jpg", 1).has_value());
  }
}

// A greyscale model's decode: OpenCV's IMREAD_GRAYSCALE pixels exactly (libjpeg's own luma for a
// colour JPEG), on the direct libjpeg path, at every reduction.
TEST(ImageDecode, GreyJpegGivesOpenCvsGreyscalePixelsAtEveryReduction) {
  const cv::Mat colour = noisy_image(601, 1103, 6);
  cv::Mat grey;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  const std::vector<std::pair<int, int>> reductions = {{0, cv::IMREAD_GRAYSCALE},
                                                       {300, cv::IMREAD_REDUCED_GRAYSCALE_2},
                                                       {150, cv::IMREAD_REDUCED_GRAYSCALE_4},
                                                       {75, cv::IMREAD_REDUCED_GRAYSCALE_8}};
  for (const cv::Mat& image : {colour, grey}) {
    for (const bool progressive : {false, true}) {
      std::vector<uint8_t> bytes;
      ASSERT_TRUE(cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_PROGRESSIVE, progressive}));
      ASSERT_TRUE(decode_jpeg(bytes, "x.jpg", 1, 1).has_value());
      for (const auto& [target, flags] : reductions) {
        const std::string what = std::to_string(image.channels()) + " channels, progressive " +
                                 std::to_string(progressive) + ", target " + std::to_string(target);
        const cv::Mat ours = to_mat(decode_image(bytes, "x.jpg", target, target, 1));
        const cv::Mat theirs = opencv_decode(bytes, flags);
        ASSERT_EQ(ours.type(), CV_8UC1) << what;
        ASSERT_EQ(ours.size(), theirs.size()) << what;
        ASSERT_EQ(theirs.type(), CV_8UC1) << what;
        EXPECT_EQ(cv::norm(ours, theirs, cv::NORM_INF), 0) << what;
      }
    }
  }
}

TEST(ImageDecode, GreyPngCmykAndTurnedJpegGiveOpenCvsGreyscalePixels) {
  const cv::Mat colour = noisy_image(45, 70, 8);
  cv::Mat grey;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> files = {
      {"colour.png", encode(".png", colour)},
      {"grey.png", encode(".png", grey)},
      {"cmyk.jpg", kCmykJpeg},
      {"turned.jpg", with_exif_orientation(encode(".jpg", colour), 'I', 6)}};
  for (const auto& [name, bytes] : files) {
    const cv::Mat ours = to_mat(decode_image(bytes, name, 0, 0, 1));
    const cv::Mat theirs = opencv_decode(bytes, cv::IMREAD_GRAYSCALE);
    ASSERT_EQ(ours.type(), CV_8UC1) << name;
    ASSERT_EQ(ours.size(), theirs.size()) << name;
    EXPECT_EQ(cv::norm(ours, theirs, cv::NORM_INF), 0) << name;
  }
  // The grey PNG is lossless; the turned JPEG is turned.
  EXPECT_EQ(
      cv::norm(to_mat(decode_image(files[1].second, "grey.png", 0, 0, 1)), grey, cv::NORM_INF), 0);
  EXPECT_EQ(decode_image(files[3].second, "turned.jpg", 0, 0, 1).height(), 70);
}

TEST(ImageDecode, OnlyOneOrThreeChannels) {
  const std::vector<uint8_t> bytes = encode(".png", pattern_image(8, 8, 1));
  for (const int channels : {0, 2, 4})
    SVERTKA_EXPECT_THROW_WITH(decode_image(bytes, "/data/x.png", 0, 0, channels), ParamError,
                              "/data/x.png");
}

TEST(ImageDecode, ReductionFactorKeepsAtLeastTheTarget) {
  EXPECT_EQ(reduction_factor({375, 500}, 256, 256), 1);
  EXPECT_EQ(reduction_factor({512, 700}, 256, 256), 2);
  EXPECT_EQ(reduction_factor({511, 700}, 256, 256), 1);
  EXPECT_EQ(reduction_factor({1024, 2048}, 256, 256), 4);
  EXPECT_EQ(reduction_factor({4096, 4096}, 256, 256), 8);
  EXPECT_EQ(reduction_factor({4096, 4096}, 0, 0), 8);
}

TEST(ImageDecode, LargeJpegIsDecodedAtReducedSize) {
  const std::vector<uint8_t> bytes = encode(".jpg", pattern_image(600, 1100, 5));
  const cv::Mat full = to_mat(decode_image(bytes, "big.jpg"));
  EXPECT_EQ(full.rows, 600);
  const cv::Mat half =
      to_mat(decode_image(bytes, "big.jpg", 256, 256));  // 600 >= 2 * 256, < 4 * 256
  EXPECT_EQ(half.rows, 300);
  EXPECT_EQ(half.cols, 550);
  const cv::Mat quarter = to_mat(decode_image(bytes, "big.jpg", 150, 150));
  EXPECT_EQ(quarter.rows, 150);
  // A PNG is decoded whole whatever the target.
  EXPECT_EQ(decode_image(encode(".png", pattern_image(600, 700, 5)), "big.png", 256, 256).height(),
            600);
}

TEST(ImageDecode, TruncatedJpegFailsNamingThePath) {
  std::vector<uint8_t> bytes = encode(".jpg", pattern_image(64, 64, 7));
  bytes.resize(bytes.size() / 2);
  try {
    decode_image(bytes, "/data/cut.jpg");
    FAIL() << "a truncated JPEG decoded";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/data/cut.jpg"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

// libjpeg only warns about these and decodes garbage or grey (OpenCV's imdecode returns it).
TEST(ImageDecode, CorruptJpegDataFailsNamingThePath) {
  const std::vector<uint8_t> good = encode(".jpg", noisy_image(64, 96, 4));
  std::vector<uint8_t> scrambled = good;  // a run of 0xFF mid-scan: fill bytes, then a bad marker
  std::fill(scrambled.end() - 200, scrambled.end() - 180, 0xFF);
  ASSERT_FALSE(opencv_decode(scrambled, cv::IMREAD_COLOR).empty());
  expect_error_naming([&] { decode_image(scrambled, "/data/scrambled.jpg"); },
                      "/data/scrambled.jpg", "Corrupt JPEG data");
  std::vector<uint8_t> padded = good;  // junk after the JFIF segment (start, FF E0, length)
  ASSERT_EQ(good[3], 0xE0);
  padded.insert(padded.begin() + 4 + (good[4] << 8 | good[5]), {0x12, 0x34, 0x56});
  ASSERT_FALSE(opencv_decode(padded, cv::IMREAD_COLOR).empty());
  expect_error_naming([&] { decode_image(padded, "/data/padded.jpg"); }, "/data/padded.jpg",
                      "extraneous bytes");
  // A header cut before the frame: libjpeg's error, not a crash or an exit.
  std::vector<uint8_t> headless(good.begin(), good.begin() + 30);
  headless.insert(headless.end(), {0xFF, 0xD9});
  expect_error_naming([&] { decode_image(headless, "/data/headless.jpg"); }, "/data/headless.jpg");
}

TEST(ImageDecode, GarbageAndEmptyAndMissingFilesFailNamingThePath) {
  expect_error_naming([] { decode_image({}, "/data/empty.jpg"); }, "/data/empty.jpg", "empty");
  expect_error_naming([] { decode_image({'h', 'e', 'l', 'l', 'o'}, "/data/text.jpg"); },
                      "/data/text.jpg");
  std::vector<uint8_t> png = encode(".png", pattern_image(16, 16, 1));
  png.resize(40);  // header intact, data cut
  expect_error_naming([&] { decode_image(png, "/data/cut.png"); }, "/data/cut.png");
  try {
    read_file_bytes("/nonexistent/svertka/x.jpg");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/svertka/x.jpg"), std::string::npos);
  }
}

}  // namespace
}  // namespace svertka::testing
