#include "svertka/data/image_stats.h"

#include <gtest/gtest.h>

#include <cmath>

#include "image_test_helpers.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka::testing {
namespace {

TEST(ImageStats, MeansAndCovarianceMatchADirectComputation) {
  const cv::Mat a = pattern_image(4, 6, 1), b = pattern_image(4, 6, 9);
  ImageStatsAccumulator sums(4, 6), half(4, 6);
  sums.add(from_mat(a));
  half.add(from_mat(b));
  sums.merge(half);
  ASSERT_EQ(sums.images(), 2);
  const Tensor mean = sums.mean_image();
  // Plane 0 is R = BGR channel 2.
  EXPECT_FLOAT_EQ(mean[1 * 6 + 2], (a.at<cv::Vec3b>(1, 2)[2] + b.at<cv::Vec3b>(1, 2)[2]) / 2.0f);
  EXPECT_FLOAT_EQ(mean[24 + 3 * 6 + 5], (a.at<cv::Vec3b>(3, 5)[1] + b.at<cv::Vec3b>(3, 5)[1]) / 2.0f);
  std::array<double, 3> m{};
  std::array<std::array<double, 3>, 3> cov{};
  for (const cv::Mat& im : {a, b})
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 6; ++x)
        for (int k = 0; k < 3; ++k) m[size_t(k)] += im.at<cv::Vec3b>(y, x)[2 - k] / 48.0;
  for (const cv::Mat& im : {a, b})
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 6; ++x)
        for (int r = 0; r < 3; ++r)
          for (int s = 0; s < 3; ++s)
            cov[size_t(r)][size_t(s)] += (im.at<cv::Vec3b>(y, x)[2 - r] - m[size_t(r)]) *
                                         (im.at<cv::Vec3b>(y, x)[2 - s] - m[size_t(s)]) /
                                         (48.0 * 255 * 255);
  const auto got_mean = sums.channel_mean();
  const auto got_cov = sums.rgb_covariance();
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_NEAR(got_mean[r], m[r], 1e-9);
    for (size_t s = 0; s < 3; ++s) EXPECT_NEAR(got_cov[r][s], cov[r][s], 1e-12);
  }
  EXPECT_THROW(sums.add(from_mat(pattern_image(5, 6, 1))), ShapeError);
}

TEST(ImageStats, EigenpairsOfAKnownMatrix) {
  // [[2,1,0],[1,2,0],[0,0,0.5]]: eigenvalues 3, 1, 0.5 with vectors (1,1,0)/sqrt2, (1,-1,0)/sqrt2
  // (sign: largest component positive, a tie keeps the first), (0,0,1).
  const ColourPca pca = symmetric_eigen3({{{2, 1, 0}, {1, 2, 0}, {0, 0, 0.5}}});
  EXPECT_NEAR(pca.eigenvalues[0], 3, 1e-6);
  EXPECT_NEAR(pca.eigenvalues[1], 1, 1e-6);
  EXPECT_NEAR(pca.eigenvalues[2], 0.5, 1e-6);
  const float h = float(1 / std::sqrt(2.0));
  EXPECT_NEAR(pca.eigenvectors[0][0], h, 1e-6);
  EXPECT_NEAR(pca.eigenvectors[1][0], h, 1e-6);
  EXPECT_NEAR(std::abs(pca.eigenvectors[0][1]), h, 1e-6);
  EXPECT_NEAR(pca.eigenvectors[0][1], -pca.eigenvectors[1][1], 1e-6);
  EXPECT_NEAR(pca.eigenvectors[2][2], 1, 1e-6);
}

TEST(ImageStats, EigenpairsSatisfyTheDefinitionOnAFullMatrix) {
  const std::array<std::array<double, 3>, 3> m{{{0.07, 0.06, 0.05}, {0.06, 0.068, 0.062},
                                                {0.05, 0.062, 0.075}}};
  const ColourPca pca = symmetric_eigen3(m);
  for (size_t i = 0; i < 3; ++i)
    for (size_t k = 0; k < 3; ++k) {
      double mv = 0;
      for (size_t j = 0; j < 3; ++j) mv += m[k][j] * pca.eigenvectors[j][i];
      EXPECT_NEAR(mv, pca.eigenvalues[i] * pca.eigenvectors[k][i], 1e-6);
    }
  EXPECT_GT(pca.eigenvalues[0], pca.eigenvalues[1]);
  EXPECT_GT(pca.eigenvalues[1], pca.eigenvalues[2]);
}

TEST(ImageStats, FileRoundTripsAndForeignFilesAreRejected) {
  TempDir dir;
  ImageStatsAccumulator sums(8, 8);
  sums.add(from_mat(pattern_image(8, 8, 2)));
  sums.add(from_mat(pattern_image(8, 8, 5)));
  const ImageStats stats = finish_stats(sums);
  save_image_stats(dir / "stats.safetensors", stats);
  const ImageStats back = load_image_stats(dir / "stats.safetensors");
  EXPECT_EQ(back.images, 2);
  EXPECT_EQ(back.mean_image.shape(), (Shape{3, 8, 8}));
  EXPECT_EQ(back.mean_image[70], stats.mean_image[70]);
  EXPECT_EQ(back.channel_mean, stats.channel_mean);
  EXPECT_EQ(back.pca.eigenvalues, stats.pca.eigenvalues);
  EXPECT_EQ(back.pca.eigenvectors, stats.pca.eigenvectors);
  save_safetensors(dir / "other.safetensors", {{"x", Tensor(Shape{1})}});
  EXPECT_THROW(load_image_stats(dir / "other.safetensors"), IoError);
}

TEST(ImageStats, OnePassOverAFolderWithAnySizesAndWorkers) {
  TempDir dir;
  write_image(dir / "a/1.png", pattern_image(20, 33, 1));
  write_image(dir / "a/2.png", pattern_image(41, 17, 2));
  write_image(dir / "b/3.png", pattern_image(16, 16, 3));
  const ImageList list = list_image_folder(dir.path());
  const ImageStatsResult one = compute_image_stats(list, {.size = 16, .workers = 1});
  const ImageStatsResult three = compute_image_stats(list, {.size = 16, .workers = 3});
  EXPECT_EQ(one.stats.images, 3);
  for (int64_t i = 0; i < one.stats.mean_image.numel(); ++i)
    ASSERT_EQ(one.stats.mean_image[i], three.stats.mean_image[i]);
  EXPECT_EQ(one.stats.pca.eigenvalues, three.stats.pca.eigenvalues);
  // The same as adding each image's SxS view by hand.
  ImageStatsAccumulator direct(16, 16);
  for (const char* name : {"a/1.png", "a/2.png", "b/3.png"})
    direct.add(stats_view(from_mat(cv::imread(dir / name)), ResizeMode::kWarp, 16));
  EXPECT_EQ(direct.mean_image()[100], one.stats.mean_image[100]);
}

TEST(ImageStats, BadImagesFailOrAreSkippedAndListed) {
  TempDir dir;
  write_image(dir / "a/good.png", pattern_image(16, 16, 1));
  write_text(dir / "a/bad.jpg", "not a jpeg");
  const ImageList list = list_image_folder(dir.path());
  try {
    compute_image_stats(list, {.size = 8});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "a/bad.jpg"), std::string::npos) << e.what();
  }
  const ImageStatsResult r = compute_image_stats(list, {.size = 8, .skip_bad = true});
  EXPECT_EQ(r.stats.images, 1);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_NE(r.skipped[0].find("bad.jpg"), std::string::npos);
}

// A greyscale model's means: the luma of the colour ones, which is the grey level itself for a
// grey image's three equal channels.
TEST(ImageStats, GreyMeansAreTheLumaOfTheColourMeans) {
  EXPECT_FLOAT_EQ(grey_mean({100, 50, 200}), 0.299f * 100 + 0.587f * 50 + 0.114f * 200);
  EXPECT_FLOAT_EQ(grey_mean({77, 77, 77}), 77);
  Tensor rgb(Shape{3, 1, 2});
  const float values[] = {10, 20, 30, 40, 50, 60};  // R plane 10 20, G 30 40, B 50 60
  std::copy(std::begin(values), std::end(values), rgb.data());
  const Tensor grey = grey_mean_image(rgb);
  ASSERT_EQ(grey.shape(), (Shape{1, 1, 2}));
  EXPECT_FLOAT_EQ(grey[0], grey_mean({10, 30, 50}));
  EXPECT_FLOAT_EQ(grey[1], grey_mean({20, 40, 60}));
  EXPECT_THROW(grey_mean_image(Tensor(Shape{1, 4, 4})), ShapeError);
  // Statistics of grey images: the grey mean image is the images' mean.
  cv::Mat a(2, 2, CV_8UC3, cv::Scalar(30, 30, 30)), b(2, 2, CV_8UC3, cv::Scalar(90, 90, 90));
  ImageStatsAccumulator sums(2, 2);
  sums.add(from_mat(a));
  sums.add(from_mat(b));
  const ImageStats stats = finish_stats(sums);
  EXPECT_FLOAT_EQ(grey_mean(stats.channel_mean), 60);
  EXPECT_FLOAT_EQ(grey_mean_image(stats.mean_image)[3], 60);
}

}  // namespace
}  // namespace svertka::testing
