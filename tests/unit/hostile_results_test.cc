// Results are never fabricated: NaN or Inf scores are an error, not a correct answer; a resumed
// run with nothing left to train reports the metrics of its saved weights.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "hostile_input.h"
#include "svertka/error.h"
#include "svertka/eval/localization.h"
#include "svertka/eval/metrics.h"
#include "svertka/io/model_loading.h"
#include "svertka/io/safetensors.h"
#include "svertka/solver/init_from.h"
#include "svertka/solver/trainer.h"
#include "synthetic_idx.h"

namespace svertka::testing {
namespace {

TEST(HostileResults, NanScoresAreAnErrorNotACorrectAnswer) {
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    SCOPED_TRACE(bad);
    Tensor scores(Shape{2, 3}), labels(Shape{2});
    scores.fill(bad);
    labels[1] = 2;
    expect_error<DataError>([&] { count_top_k(scores, labels, 2); }, {"sample 0", "not finite"});
  }
}

TEST(HostileResults, OneNanScoreInARowIsAnError) {
  Tensor scores(Shape{1, 4}), labels(Shape{1});
  scores[0] = 5, scores[2] = std::numeric_limits<float>::quiet_NaN();  // label 0 scores highest
  expect_error<DataError>([&] { count_top_k(scores, labels, 1); }, {"class 2", "not finite"});
}

TEST(HostileResults, NanScoresAreALocalisationError) {
  Tensor scores(Shape{1, 3}), boxes(Shape{1, 4}), labels(Shape{1});
  scores.fill(std::numeric_limits<float>::quiet_NaN());
  boxes[2] = boxes[3] = 1;
  const std::vector<std::vector<Box>> truth{{Box{0, 0, 8, 8}}};
  expect_error<DataError>([&] { count_localization(scores, boxes, labels, truth, 1, 8); },
                          {"sample 0", "not finite"});
}

TEST(HostileResults, FiniteScoresStillCount) {
  Tensor scores(Shape{2, 3}), labels(Shape{2});
  scores[0] = 1, scores[4] = 1;
  labels[0] = 0, labels[1] = 2;
  const TopKCounts c = count_top_k(scores, labels, 2);
  EXPECT_EQ(c.samples, 2);
  EXPECT_EQ(c.top1, 1);
}

TEST(HostileResults, NanWeightsAreAnErrorNamingTheFileAndTheTensor) {
  HostileDir dir;
  const LoadModelOptions options{.model = {.num_classes = 10, .channels = 1, .batch = 2}};
  const std::unique_ptr<Net> net = make_net(load_model("lenet", "", options), {});
  std::vector<NamedTensor> weights;
  for (const Parameter& p : net->params()) weights.push_back({p.name, p.value.to_host()});
  weights.back().tensor[0] = std::numeric_limits<float>::quiet_NaN();
  const std::string path = dir.file("nan.safetensors");
  save_safetensors(path, weights);
  expect_error<DataError>([&] { make_net(load_model("lenet", path, options), {}); },
                          {path, weights.back().name, "finite"});
}

TEST(HostileResults, InitialisingFromNanWeightsIsAnError) {
  HostileDir dir;
  const LoadModelOptions options{.model = {.num_classes = 10, .channels = 1, .batch = 2}};
  const std::unique_ptr<Net> net = make_net(load_model("lenet", "", options), {});
  std::vector<NamedTensor> weights;
  for (const Parameter& p : net->params()) weights.push_back({p.name, p.value.to_host()});
  weights.front().tensor[3] = std::numeric_limits<float>::infinity();
  const std::string path = dir.file("inf.safetensors");
  save_safetensors(path, weights);
  expect_error<DataError>([&] { init_params_from(*net, load_safetensors(path), {}); },
                          {path, weights.front().name, "element 3"});
}

TEST(HostileResults, ResumingAFinishedRunReportsTheSavedWeightsMetrics) {
  HostileDir dir;
  const IdxBatchSource train(synthetic_idx(32, 1), Normalization{.mean = 0.3f, .stddev = 0.3f},
                             SmallImageAugment{});
  const IdxBatchSource val(synthetic_idx(20, 2), Normalization{.mean = 0.3f, .stddev = 0.3f},
                           SmallImageAugment{});
  TrainConfig c;
  c.loop.epochs = 1;
  c.loop.batch = 8;
  c.loop.seed = 3;
  c.solver.schedule.base_lr = 0.02;
  c.snapshot.out_dir = dir.file("run");
  const auto run = [&](const TrainConfig& config) {
    Trainer trainer(zoo_train_net("alexnet_small", train, config.loop.batch, 4), config, train,
                    &val);
    return trainer.run();
  };
  const TrainResult first = run(c);
  ASSERT_FALSE(first.nothing_left);
  c.snapshot.resume = true;
  const TrainResult again = run(c);
  EXPECT_TRUE(again.nothing_left);
  EXPECT_EQ(again.state.iteration, first.state.iteration);
  EXPECT_EQ(again.last.val_top1_error, first.last.val_top1_error);
  EXPECT_EQ(again.last.val_top5_error, first.last.val_top5_error);
  EXPECT_GT(again.last.val_top1_error, 0.0);  // 20 samples of 10 classes after 4 updates
}

}  // namespace
}  // namespace svertka::testing
