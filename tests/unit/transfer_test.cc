// Transfer learning pieces: class subsets, feature files, feature extraction, the linear SVM.
#include <gtest/gtest.h>

#include <random>

#include "image_test_helpers.h"
#include "svertka/builder.h"
#include "svertka/data/class_subset.h"
#include "svertka/error.h"
#include "svertka/transfer/extract.h"
#include "svertka/transfer/linear_svm.h"

namespace svertka {
namespace {

using testing::TempDir;

// Sample i has label i % classes and every pixel equal to i.
class CountingSource final : public BatchSource {
 public:
  explicit CountingSource(int64_t n, int64_t classes = 4) : n_(n), classes_(classes) {}
  int64_t size() const override { return n_; }
  Shape sample_shape() const override { return Shape{1, 2, 2}; }
  int64_t num_classes() const override { return classes_; }
  void fill(std::span<const int64_t> indices, bool, uint64_t, uint64_t, Tensor& images,
            Tensor& labels) const override {
    for (size_t b = 0; b < indices.size(); ++b) {
      for (int j = 0; j < 4; ++j) images[int64_t(b) * 4 + j] = float(indices[b]);
      labels[int64_t(b)] = float(indices[b] % classes_);
    }
  }

 private:
  int64_t n_, classes_;
};

TEST(ClassSubset, ParsesRangesAndLists) {
  EXPECT_EQ(parse_class_subset("0-4"), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(parse_class_subset("7,2-3"), (std::vector<int64_t>{7, 2, 3}));
  for (const char* bad : {"", "a", "3-1", "1,1", "2-", "-1"})
    EXPECT_THROW(parse_class_subset(bad), ParamError) << bad;
}

TEST(ClassSubset, KeepsOnlyTheClassesAndRelabelsThem) {
  ClassSubsetSource s(std::make_unique<CountingSource>(10), {3, 1});
  ASSERT_EQ(s.size(), 5);  // 1, 3, 5, 7, 9
  EXPECT_EQ(s.num_classes(), 2);
  const std::vector<int64_t> ids{0, 1, 4};
  Tensor images(Shape{3, 1, 2, 2}), labels(Shape{3});
  s.fill(ids, false, 0, 0, images, labels);
  EXPECT_EQ(images[0], 1);
  EXPECT_EQ(labels[0], 1);  // class 1 -> 1
  EXPECT_EQ(images[4], 3);
  EXPECT_EQ(labels[1], 0);  // class 3 -> 0
  EXPECT_EQ(images[8], 9);
  EXPECT_THROW(ClassSubsetSource(std::make_unique<CountingSource>(10), {4}), ParamError);
}

TEST(FeatureFile, RoundTripsInBothFormats) {
  TempDir dir;
  for (const std::string name : {"f.safetensors", "f.npy"}) {
    const std::string path = dir / name;
    {
      FeatureWriter w(path, 3, 2, {{"layer", "fc7"}});
      const float rows[] = {1, 2, 3, 4}, labels[] = {0, 1};
      w.append(rows, labels, 2);
      const float row[] = {5, 6}, label[] = {7};
      w.append(row, label, 1);
      EXPECT_THROW(w.append(row, label, 1), ParamError);
      w.finish();
    }
    const FeatureSet f = load_features(path);
    ASSERT_EQ(f.features.shape(), (Shape{3, 2})) << name;
    EXPECT_EQ(f.features[5], 6);
    EXPECT_EQ(f.labels, (std::vector<int64_t>{0, 1, 7}));
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "f.labels.npy"));
  {
    FeatureWriter unfinished(dir / "u.npy", 2, 2);
    EXPECT_THROW(unfinished.finish(), ParamError);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "u.npy"));
  EXPECT_THROW(load_features(dir / "missing.npy"), IoError);
}

TEST(Extract, WritesTheBlobOfEverySampleWithItsLabel) {
  TempDir dir;
  NetBuilder b("tiny");
  b.default_fillers(Filler::constant(0.5), Filler::constant(0.25));
  auto x = b.input("data", Shape{4, 1, 2, 2});
  b.input("label", Shape{4});
  x = b.fc("fc1", x, Fc(3));
  x = b.fc("fc2", x, Fc(2));
  b.softmax_loss("loss", x, "label");
  Net net(b.build(), {.phase = Phase::kTest, .keep_blobs = {"fc1"}});
  net.init_params(1);
  CountingSource data(6, 2);  // 6 samples: one full batch and a padded one
  FeatureWriter out(dir / "f.safetensors", 6, 3);
  extract_features(net, data, "fc1", out);
  out.finish();
  const FeatureSet f = load_features(dir / "f.safetensors");
  ASSERT_EQ(f.size(), 6);
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_FLOAT_EQ(f.features[i * 3 + 2], 4 * 0.5f * float(i) + 0.25f) << i;
    EXPECT_EQ(f.labels[size_t(i)], i % 2);
  }
  FeatureWriter unused(dir / "g.npy", 6, 3);
  EXPECT_THROW(extract_features(net, data, "nope", unused), NotFoundError);
}

// Three Gaussian clusters in 8 dimensions: separable, so the SVM must classify the test set.
FeatureSet clusters(int64_t n, uint64_t seed) {
  std::mt19937 rng{static_cast<uint32_t>(seed)};
  std::normal_distribution<float> noise(0, 0.3f);
  FeatureSet s;
  s.features = Tensor(Shape{n, 8});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % 3;
    s.labels.push_back(label);
    for (int64_t j = 0; j < 8; ++j)
      s.features[i * 8 + j] = (j == label ? 2.0f : 0.0f) + 1.0f + noise(rng);
  }
  return s;
}

TEST(LinearSvm, SeparatesClustersAndPicksCByCrossValidation) {
  const FeatureSet train = clusters(300, 1), test = clusters(150, 2);
  LinearSvm fixed(train, {.c = 1});
  EXPECT_GT(fixed.accuracy(test), 0.95);
  LinearSvm searched(train, {.c_search = true, .c_grid = {1e-4, 1, 10}});
  ASSERT_EQ(searched.cv_accuracy().size(), 3u);
  EXPECT_LT(searched.cv_accuracy()[0], searched.cv_accuracy()[1]);  // C tiny: underfits
  EXPECT_NE(searched.c(), 1e-4);
  EXPECT_GT(searched.accuracy(test), 0.95);
  TempDir dir;
  searched.save(dir / "svm.model");
  EXPECT_GT(std::filesystem::file_size(dir / "svm.model"), 0u);
  FeatureSet wrong = test;
  wrong.features = Tensor(Shape{150, 4});
  EXPECT_THROW(searched.predict(wrong), ShapeError);
}

TEST(LinearSvm, L2NormalisationMakesRowsUnitLength) {
  Tensor f(Shape{2, 2});
  f[0] = 3, f[1] = 4, f[2] = 0, f[3] = 0;
  l2_normalize_rows(f);
  EXPECT_FLOAT_EQ(f[0], 0.6f);
  EXPECT_FLOAT_EQ(f[1], 0.8f);
  EXPECT_EQ(f[2], 0);
}

}  // namespace
}  // namespace svertka
