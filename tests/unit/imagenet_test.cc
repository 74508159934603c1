// ImageNet's published constants, and the image options taking them when no --stats is given.
#include "svertka/data/imagenet.h"

#include <gtest/gtest.h>

#include "data_options.h"

namespace svertka::testing {
namespace {

TEST(ImageNet, ConstantsAreThePublishedOnes) {
  EXPECT_EQ(kImageNetMean, (std::array<float, 3>{123.68f, 116.78f, 103.94f}));
  EXPECT_EQ(kImageNetPcaEigenvalues, (std::array<float, 3>{0.2175f, 0.0188f, 0.0045f}));
  EXPECT_EQ(kImageNetPcaEigenvectors[0], (std::array<float, 3>{-0.5675f, 0.7192f, 0.4009f}));
  EXPECT_EQ(kImageNetPcaEigenvectors[2][1], -0.6948f);
}

TEST(ImageNet, TheCommandLineTransformDefaultsToThem) {
  const ImageTransformOptions t =
      cli::image_source_options(cli::ImageDataArgs{}, 224, false, "channel").transform;
  EXPECT_EQ(t.channel_mean, kImageNetMean);
  EXPECT_EQ(t.pca.eigenvalues, kImageNetPcaEigenvalues);
  EXPECT_EQ(t.pca.eigenvectors, kImageNetPcaEigenvectors);
}

}  // namespace
}  // namespace svertka::testing
