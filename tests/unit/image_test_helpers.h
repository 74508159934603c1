// Images for the data-pipeline tests, generated on the fly into a temporary folder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "data/image_cv.h"

namespace svertka::testing {

// A fresh folder under the system temp dir, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "svertka_test_XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A BGR image whose pixels encode their position and a seed: smooth enough to survive JPEG.
inline cv::Mat pattern_image(int height, int width, int seed) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>((x * 255) / std::max(1, width - 1)),
                                            static_cast<uint8_t>((y * 255) / std::max(1, height - 1)),
                                            static_cast<uint8_t>((seed * 37) % 256));
  return image;
}

inline void write_image(const std::string& path, const cv::Mat& image) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  if (!cv::imwrite(path, image)) throw std::runtime_error("cannot write " + path);
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

inline std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& image) {
  std::vector<uint8_t> bytes;
  if (!cv::imencode(ext, image, bytes)) throw std::runtime_error("cannot encode " + ext);
  return bytes;
}

// The image's pixels in a Mat of their own (as_mat's header would not outlive a temporary Image).
inline cv::Mat to_mat(const Image& image) {
  return as_mat(image).clone();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

}  // namespace svertka::testing
