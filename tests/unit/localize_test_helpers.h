// Localisation test data: generated images, each one coloured rectangle on a textured background,
// written as PNGs with a box list, and a small net to put a box head on.
#pragma once

#include <cmath>
#include <fstream>
#include <random>
#include <string>

#include "image_test_helpers.h"
#include "svertka/builder.h"
#include "svertka/data/image_source.h"
#include "svertka/zoo.h"

namespace svertka::testing {

inline constexpr int kSize = 32;

// `count` images named <prefix><i>.png in the folder `dir` and a list "path label x1 y1 x2 y2"
// (returned); label 0: a red rectangle, 1: a blue one.
inline std::string write_rectangles(const std::string& dir, const std::string& prefix, int count,
                                    uint32_t seed) {
  std::mt19937 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::ofstream list(dir + "/" + prefix + ".txt");
  for (int i = 0; i < count; ++i) {
    cv::Mat image(kSize, kSize, CV_8UC3);
    const double fx = uniform(2, 6) / 10.0, fy = uniform(2, 6) / 10.0;
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        const int v = 100 + int(40 * std::sin(fx * x) * std::cos(fy * y)) + uniform(-25, 25);
        image.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(v), uint8_t(v), uint8_t(v));
      }
    const int w = uniform(8, 22), h = uniform(8, 22);
    const int x1 = uniform(0, kSize - w), y1 = uniform(0, kSize - h);
    const int label = i % 2;
    const cv::Scalar colour = label ? cv::Scalar(220, 60, 40) : cv::Scalar(40, 60, 220);
    image(cv::Rect(x1, y1, w, h)).setTo(colour);
    const std::string name = prefix + std::to_string(i) + ".png";
    cv::imwrite(dir + "/" + name, image);
    list << name << " " << label << " " << x1 << " " << y1 << " " << x1 + w << " " << y1 + h
         << "\n";
  }
  return dir + "/" + prefix + ".txt";
}

// (N,3,32,32) -> 16x16 -> 8x8 -> 4x4 -> fc 128 -> scores; the box head sits on the fc.
inline NetSpec small_localizer(const ModelOptions& o) {
  NetBuilder b("small_localizer");
  b.default_fillers(Filler::xavier(), Filler::constant(0));
  auto x = b.input("data", Shape{o.batch, 3, kSize, kSize});
  b.input("label", Shape{o.batch});
  x = b.conv("conv1", x, Conv(16, 3).pad(1));
  x = b.relu("relu1", x);
  x = b.pool("pool1", x, Pool::max(2, 2));
  x = b.conv("conv2", x, Conv(32, 3).pad(1));
  x = b.relu("relu2", x);
  x = b.pool("pool2", x, Pool::max(2, 2));
  x = b.conv("conv3", x, Conv(32, 3).pad(1));
  x = b.relu("relu3", x);
  x = b.pool("pool3", x, Pool::max(2, 2));
  x = b.fc("fc4", x, Fc(128));
  x = b.relu("relu4", x);
  x = b.fc("scores", x, Fc(o.num_classes));
  b.softmax_loss("loss", x, "label");
  b.accuracy("accuracy_top1", x, "label", 1);
  b.accuracy("accuracy_top5", x, "label", 2);
  return b.build();
}

inline ImageSourceOptions plain_32() {
  ImageSourceOptions o;
  o.transform.scale_min = o.transform.scale_max = o.transform.crop = kSize;
  o.transform.mirror = true;
  o.transform.channel_mean = {128, 128, 128};
  o.transform.scale = 1.0f / 64;
  return o;
}

}  // namespace svertka::testing
