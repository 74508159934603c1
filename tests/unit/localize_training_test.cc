// Localisation on the Trainer: the options classification has (resume, Ctrl-C, iter_size, data
// workers) hold for a net with a box head and its per-batch targets.
#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "localize_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"
#include "svertka/localize/localizer.h"
#include "svertka/solver/trainer.h"
#include "weights_compare.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

class LocalizeTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    omp_set_num_threads(1);
    // 48 images: 6 updates of 8 per epoch.
    train_ = std::make_unique<BoxBatchSource>(
        read_box_list(write_rectangles(dir_.path(), "train", 48, 1)), plain_32());
    val_ = std::make_unique<BoxBatchSource>(
        read_box_list(write_rectangles(dir_.path(), "val", 12, 2)), plain_32());
  }

  TrainConfig config(const std::string& run, int64_t max_iterations) const {
    TrainConfig c;
    c.loop.epochs = 2;
    c.loop.batch = 8;
    c.loop.max_iterations = max_iterations;
    c.loop.seed = 3;
    c.solver.schedule = {.kind = LrScheduleOptions::Kind::kStep, .base_lr = 0.005, .step_size = 5};
    c.snapshot.out_dir = dir_ / run;
    return c;
  }

  // Per-class regression: the hook that rewrites the other classes' targets after forward runs.
  TrainResult train(const TrainConfig& c) const {
    const BoxHeadOptions head{.per_class = true, .loss_weight = 5};
    const LocalizationTask task("scores", head);
    const ModelOptions o{.num_classes = 2, .batch = c.loop.batch};
    Trainer trainer(
        {"small_localizer", add_box_head(small_localizer(o), "scores", 2, head), "scores"}, c,
        *train_, val_.get(), &task);
    return trainer.run();
  }

  std::vector<NamedTensor> weights(const std::string& run) const {
    return load_safetensors(dir_ / (run + "/weights.safetensors")).tensors;
  }

  TempDir dir_;
  std::unique_ptr<BoxBatchSource> train_, val_;
};

TEST_F(LocalizeTraining, ResumeGivesBitwiseIdenticalWeights) {
  // 2N = 8 updates in one run; N = 4, then resume to 8 (crossing the epoch boundary at 6).
  train(config("whole", 8));
  train(config("split", 4));
  TrainConfig resumed = config("split", 8);
  resumed.snapshot.resume = true;
  EXPECT_EQ(train(resumed).state.iteration, 8);
  expect_bitwise_equal(weights("whole"), weights("split"));
}

TEST_F(LocalizeTraining, InterruptSavesACheckpointThatResumesExactly) {
  train(config("whole", 8));
  std::atomic<bool> stop{false};
  TrainConfig interrupted = config("interrupted", 8);
  interrupted.callbacks.stop_requested = &stop;
  interrupted.callbacks.on_progress = [&](const TrainProgress& p) { stop = p.iteration >= 3; };
  const TrainResult first = train(interrupted);
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(first.state.iteration, 3);
  ASSERT_TRUE(fs::exists(interrupted.snapshot.out_dir + "/checkpoint.safetensors"));
  TrainConfig resumed = config("interrupted", 8);
  resumed.snapshot.resume = true;
  train(resumed);
  expect_bitwise_equal(weights("whole"), weights("interrupted"));
}

TEST_F(LocalizeTraining, IterSizeAndDataWorkersTrainAndAgree) {
  std::vector<double> box_losses[2];
  for (int workers : {0, 2}) {
    TrainConfig c = config("workers" + std::to_string(workers), 0);
    c.loop.batch = 4;
    c.loop.iter_size = 2;  // updates of 8: 6 per epoch
    c.loop.data_workers = workers;
    c.callbacks.on_progress = [&](const TrainProgress& p) {
      box_losses[workers / 2].push_back(p.task_measure);
    };
    EXPECT_EQ(train(c).state.iteration, 12);
  }
  EXPECT_EQ(box_losses[0], box_losses[1]);
  ASSERT_EQ(box_losses[0].size(), 12u);
  EXPECT_GT(box_losses[0].front(), 0.0);
  expect_bitwise_equal(weights("workers0"), weights("workers2"));
  std::ifstream metrics(dir_ / "workers0/metrics.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(metrics, line));
  EXPECT_NE(line.find("\"box_loss\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"val_mean_iou\""), std::string::npos) << line;
}

TEST_F(LocalizeTraining, DataWithoutBoxesIsRejected) {
  const ImageBatchSource images(train_->list().images, plain_32());
  const LocalizationTask task("scores", {});
  const ModelOptions o{.num_classes = 2, .batch = 8};
  const TrainNet net{"small_localizer", add_box_head(small_localizer(o), "scores", 2, {}),
                     "scores"};
  SVERTKA_EXPECT_THROW_WITH(Trainer(net, config("images", 0), images, nullptr, &task), ParamError,
                            "box data for training");
  SVERTKA_EXPECT_THROW_WITH(Trainer(net, config("images", 0), *train_, &images, &task), ParamError,
                            "box data for validation");
}

}  // namespace
}  // namespace svertka::testing
