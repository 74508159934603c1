#include "svertka/solver/trainer.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "op_test_helpers.h"
#include "synthetic_idx.h"
#include "svertka/io/safetensors.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;


class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("svertka_trainer_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    train_ = std::make_unique<IdxBatchSource>(synthetic_idx(64, 1),
                                              Normalization{.mean = 0.3f, .stddev = 0.3f},
                                              SmallImageAugment{.pad = 2, .mirror = true});
    val_ = std::make_unique<IdxBatchSource>(
        synthetic_idx(20, 2), Normalization{.mean = 0.3f, .stddev = 0.3f}, SmallImageAugment{});
  }
  void TearDown() override { fs::remove_all(dir_); }

  // alexnet_small at a quarter width: 8 updates per epoch of 64 samples.
  TrainConfig config(const std::string& run, int64_t max_iterations) const {
    TrainConfig c;
    c.model = "alexnet_small";
    c.width_divisor = 4;
    c.epochs = 3;
    c.batch = 8;
    c.max_iterations = max_iterations;
    c.schedule.kind = LrScheduleOptions::Kind::kStep;
    c.schedule.base_lr = 0.02;
    c.schedule.step_size = 5;
    c.seed = 7;
    c.out_dir = (dir_ / run).string();
    return c;
  }

  static std::vector<NamedTensor> weights(const std::string& run_dir) {
    return load_safetensors(run_dir + "/weights.safetensors").tensors;
  }

  fs::path dir_;
  std::unique_ptr<BatchSource> train_, val_;
};

void expect_bitwise_equal(const std::vector<NamedTensor>& a, const std::vector<NamedTensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].name, b[k].name);
    ASSERT_EQ(a[k].tensor.numel(), b[k].tensor.numel());
    EXPECT_EQ(std::memcmp(a[k].tensor.data(), b[k].tensor.data(), a[k].tensor.bytes()), 0)
        << a[k].name << " differs";
  }
}

TEST_F(TrainerTest, ResumeGivesBitwiseIdenticalWeights) {
  omp_set_num_threads(1);
  // 2N = 12 updates in one run; N = 6, then resume to 12 (crossing the epoch boundary at 8).
  train(config("whole", 12), *train_, val_.get());
  train(config("split", 6), *train_, val_.get());
  TrainConfig resumed = config("split", 12);
  resumed.resume = true;
  const TrainResult result = train(resumed, *train_, val_.get());
  EXPECT_EQ(result.state.iteration, 12);
  expect_bitwise_equal(weights(config("whole", 0).out_dir), weights(config("split", 0).out_dir));
}

TEST_F(TrainerTest, InterruptSavesACheckpointAndResumeMatchesAnUninterruptedRun) {
  omp_set_num_threads(1);
  train(config("whole", 10), *train_, nullptr);
  std::atomic<bool> stop{false};
  TrainConfig interrupted = config("interrupted", 10);
  interrupted.stop_requested = &stop;
  interrupted.on_progress = [&](const TrainProgress& p) { stop = p.iteration >= 3; };
  const TrainResult first = train(interrupted, *train_, nullptr);
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(first.state.iteration, 3);
  EXPECT_TRUE(fs::exists(interrupted.out_dir + "/checkpoint.safetensors"));
  TrainConfig resumed = config("interrupted", 10);
  resumed.resume = true;
  train(resumed, *train_, nullptr);
  expect_bitwise_equal(weights(config("whole", 0).out_dir), weights(resumed.out_dir));
}

TEST_F(TrainerTest, TimeLimitStopsAfterTheUpdateThatReachesItAndSaves) {
  omp_set_num_threads(1);
  TrainConfig c = config("timed", 0);  // 3 epochs of 8 updates planned
  c.time_limit_seconds = 1e-9;         // already reached when the first update ends
  const TrainResult result = train(c, *train_, val_.get());
  EXPECT_FALSE(result.interrupted);
  EXPECT_EQ(result.state.iteration, 1);
  EXPECT_EQ(result.last.iteration, 1);
  EXPECT_TRUE(fs::exists(c.out_dir + "/weights.safetensors"));
}

TEST_F(TrainerTest, ReferenceBackendLossesDoNotDependOnThreadCount) {
  std::vector<double> losses[2];
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    TrainConfig c = config("threads" + std::to_string(threads), 6);
    c.backend = Backend::kCpuRef;
    c.on_progress = [&](const TrainProgress& p) { losses[threads - 1].push_back(p.loss); };
    train(c, *train_, nullptr);
  }
  omp_set_num_threads(1);
  EXPECT_EQ(losses[0], losses[1]);
  EXPECT_EQ(losses[0].size(), 6u);
}

TEST_F(TrainerTest, EvaluatingSavedWeightsReproducesTheValidationError) {
  omp_set_num_threads(1);
  const TrainResult result = train(config("eval", 8), *train_, val_.get());
  Net net(build_model("alexnet_small", model_options_for(*val_, 16, 4)), {.phase = Phase::kTest});
  load_weights(config("eval", 0).out_dir + "/weights.safetensors", net);
  const TopKCounts counts = evaluate(net, *val_, "fc5");
  EXPECT_EQ(counts.samples, 20);
  EXPECT_DOUBLE_EQ(counts.top1_error(), result.last.val_top1_error);
  EXPECT_DOUBLE_EQ(counts.top5_error(), result.last.val_top5_error);
  std::ifstream metrics(config("eval", 0).out_dir + "/metrics.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(metrics, line));
  EXPECT_NE(line.find("\"val_top1_error\""), std::string::npos);
}

TEST_F(TrainerTest, DivergenceStopsWithAClearErrorAndKeepsTheLastCheckpoint) {
  omp_set_num_threads(1);
  train(config("diverge", 8), *train_, nullptr);
  const std::string checkpoint = config("diverge", 0).out_dir + "/checkpoint.safetensors";
  const auto before = fs::file_size(checkpoint);
  const auto time_before = fs::last_write_time(checkpoint);
  TrainConfig exploding = config("diverge", 16);
  exploding.resume = true;
  exploding.schedule.base_lr = 1e30;
  SVERTKA_EXPECT_THROW_WITH(train(exploding, *train_, nullptr), DataError, "diverged",
                            "checkpoint.safetensors");
  EXPECT_EQ(fs::file_size(checkpoint), before);
  EXPECT_EQ(fs::last_write_time(checkpoint), time_before);
}

TEST_F(TrainerTest, UnwritableRunDirectoryIsAnIoError) {
  TrainConfig c = config("x", 1);
  c.out_dir = "/proc/svertka_cannot_write_here";
  SVERTKA_EXPECT_THROW_WITH(train(c, *train_, nullptr), IoError, "/proc/svertka_cannot_write_here");
}

TEST_F(TrainerTest, ResumeWithoutCheckpointNamesTheFile) {
  TrainConfig c = config("missing", 4);
  c.resume = true;
  SVERTKA_EXPECT_THROW_WITH(train(c, *train_, nullptr), IoError, "checkpoint.safetensors");
}

}  // namespace
}  // namespace svertka::testing
