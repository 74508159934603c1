// ImageBatchSource and BatchPipeline: batches identical for any number of worker threads, errors
// naming the image, --skip-bad, and training through the pipeline.
#include <gtest/gtest.h>

#include <cstring>
#include <opencv2/imgproc.hpp>

#include "image_test_helpers.h"
#include "svertka/data/image_source.h"
#include "svertka/data/pipeline.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"
#include "svertka/solver/trainer.h"

namespace svertka::testing {
namespace {

// 3 classes, 24 images: JPEG and PNG, colour and greyscale, odd sizes, one large enough to be
// decoded at reduced size.
class ImagePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 24; ++i) {
      const int height = 33 + 7 * (i % 5), width = 29 + 11 * (i % 4);
      cv::Mat image = pattern_image(height, width, i);
      if (i == 5) image = pattern_image(130, 170, i);
      if (i % 6 == 1) cv::cvtColor(image, image, cv::COLOR_BGR2GRAY);
      const std::string name = "c" + std::to_string(i % 3) + "/img" + std::to_string(i) +
                               (i % 2 ? ".png" : ".jpg");
      write_image(dir_ / name, image);
    }
  }

  ImageSourceOptions options() const {
    ImageSourceOptions o;
    ImageTransformOptions& t = o.transform;
    t.scale_min = 28, t.scale_max = 40, t.crop = 24, t.pca_std = 0.1f;
    t.pca = {{0.2f, 0.02f, 0.004f},
             {{{-0.57f, 0.72f, 0.40f}, {-0.58f, 0.0f, -0.81f}, {-0.58f, -0.69f, 0.42f}}}};
    t.channel_mean = {120, 115, 100};
    t.scale = 1.0f / 64;
    return o;
  }

  // Every batch of two epochs, concatenated.
  static std::vector<float> run(const BatchSource& source, int workers, int prefetch = 2,
                                BatchBuffers* buffers = nullptr) {
    std::vector<float> all;
    const Shape s = source.sample_shape();
    Tensor images(Shape{5, s[0], s[1], s[2]}), labels(Shape{5});
    for (uint64_t epoch = 0; epoch < 2; ++epoch) {
      BatchPipeline pipeline(source, epoch_order(source.size(), 3, epoch), 5,
                             {.workers = workers,
                              .prefetch = prefetch,
                              .seed = 3,
                              .epoch = epoch,
                              .buffers = buffers});
      EXPECT_EQ(pipeline.batches(), source.size() / 5);
      for (int64_t b = 0; b < pipeline.batches(); ++b) {
        pipeline.next(images, labels);
        all.insert(all.end(), images.data(), images.data() + images.numel());
        all.insert(all.end(), labels.data(), labels.data() + labels.numel());
      }
    }
    return all;
  }

  TempDir dir_;
};

TEST_F(ImagePipelineTest, BatchesAreIdenticalForAnyNumberOfWorkers) {
  const ImageBatchSource source(list_image_folder(dir_.path()), options());
  const std::vector<float> reference = run(source, 0);
  ASSERT_EQ(reference.size(), size_t(2 * 4 * 5 * (3 * 24 * 24 + 1)));
  for (int workers : {1, 2, 4}) {
    const std::vector<float> got = run(source, workers, workers == 4 ? 1 : 3);
    ASSERT_EQ(got.size(), reference.size());
    EXPECT_EQ(std::memcmp(got.data(), reference.data(), got.size() * sizeof(float)), 0)
        << workers << " workers";
  }
  // And the augmentation does something: another seed gives other batches.
  std::vector<float> other;
  const Shape s = source.sample_shape();
  Tensor images(Shape{5, s[0], s[1], s[2]}), labels(Shape{5});
  BatchPipeline pipeline(source, epoch_order(source.size(), 3, 0), 5, {.seed = 4});
  pipeline.next(images, labels);
  EXPECT_NE(std::memcmp(images.data(), reference.data(), images.bytes()), 0);
}

TEST_F(ImagePipelineTest, SuccessivePipelinesReuseTheirBatchBuffers) {
  const ImageBatchSource source(list_image_folder(dir_.path()), options());
  const std::vector<float> reference = run(source, 0);
  BatchBuffers buffers;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(source, 2, 3, &buffers), reference);
  // Six pipelines of 4 batches: each handed its batches on to the next, so no more were made than
  // one pipeline has in use at once (at most all 4); without reuse each would have added its own.
  EXPECT_GE(buffers.free_count(), 1u);
  EXPECT_LE(buffers.free_count(), 4u);
}

TEST_F(ImagePipelineTest, IdxBatchesThroughWorkersEqualTheSynchronousOnes) {
  IdxDataset data;
  data.images.count = 20, data.images.rows = 6, data.images.cols = 6;
  for (int i = 0; i < 20 * 36; ++i) data.images.pixels.push_back(uint8_t(i * 7));
  for (int i = 0; i < 20; ++i) data.labels.push_back(uint8_t(i % 10));
  const IdxBatchSource source(std::move(data), Normalization{}, {.pad = 2, .mirror = true});
  EXPECT_EQ(run(source, 0), run(source, 3));
}

TEST_F(ImagePipelineTest, BadImageFailsNamingItsPathAndListLine) {
  write_text(dir_ / "broken.jpg", "definitely not a JPEG");
  write_text(dir_ / "list.txt", "c0/img0.jpg 0\nbroken.jpg 1\n");
  const ImageBatchSource source(read_image_list(dir_ / "list.txt"), options());
  Tensor images(Shape{2, 3, 24, 24}), labels(Shape{2});
  const std::vector<int64_t> indices{0, 1};
  try {
    source.fill(indices, true, 1, 0, images, labels);
    FAIL() << "a broken image decoded";
  } catch (const DataError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(dir_ / "broken.jpg"), std::string::npos) << m;
    EXPECT_NE(m.find("list.txt:2"), std::string::npos) << m;
  }
  // Through worker threads the error arrives with its batch.
  BatchPipeline pipeline(source, {0, 0, 1, 0}, 2, {.workers = 2});
  Tensor images_b(Shape{2, 3, 24, 24}), labels_b(Shape{2});
  pipeline.next(images_b, labels_b);
  EXPECT_THROW(pipeline.next(images_b, labels_b), DataError);
}

TEST_F(ImagePipelineTest, SkipBadReplacesTheImageAndListsIt) {
  std::vector<uint8_t> cut = encode(".jpg", pattern_image(40, 40, 1));
  cut.resize(cut.size() / 2);
  write_bytes(dir_ / "c1/truncated.jpg", cut);
  ImageList list = list_image_folder(dir_.path());
  int64_t bad = -1;
  for (int64_t i = 0; i < list.size(); ++i)
    if (list.entries[size_t(i)].path.ends_with("truncated.jpg")) bad = i;
  ASSERT_GE(bad, 0);
  ImageSourceOptions o = options();
  o.skip_bad = true;
  const ImageBatchSource source(list, o);
  std::vector<float> sample(3 * 24 * 24);
  const int64_t label = source.load_sample(bad, false, 1, 0, sample.data());
  EXPECT_EQ(label, list.entries[size_t(bad + 1)].label);  // the next image stands in
  std::vector<float> next(sample.size());
  source.load_sample(bad + 1, false, 1, 0, next.data());
  EXPECT_EQ(sample, next);
  const std::vector<std::string> skipped = source.bad_images();
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("truncated.jpg"), std::string::npos);
}

TEST_F(ImagePipelineTest, TrainingThroughWorkersEqualsSynchronousTraining) {
  ImageSourceOptions o = options();
  o.transform.crop = 28, o.transform.scale_min = 32, o.transform.scale_max = 36;
  const ImageBatchSource source(list_image_folder(dir_.path()), o);
  std::vector<std::vector<NamedTensor>> weights;
  for (int workers : {0, 2}) {
    TrainConfig c;
    c.loop.epochs = 1;
    c.loop.batch = 8;
    c.loop.seed = 5;
    c.loop.data_workers = workers;
    c.snapshot.out_dir = dir_ / ("run" + std::to_string(workers));
    Trainer trainer(zoo_train_net("alexnet_small", source, 8, 4), c, source, &source);
    const TrainResult r = trainer.run();
    EXPECT_EQ(r.state.iteration, 3);
    weights.push_back(load_safetensors(c.snapshot.out_dir + "/weights.safetensors").tensors);
  }
  ASSERT_EQ(weights[0].size(), weights[1].size());
  for (size_t k = 0; k < weights[0].size(); ++k)
    EXPECT_EQ(std::memcmp(weights[0][k].tensor.data(), weights[1][k].tensor.data(),
                          weights[0][k].tensor.bytes()),
              0)
        << weights[0][k].name;
}

}  // namespace
}  // namespace svertka::testing
