#include "svertka/solver/trainer.h"

#include <gtest/gtest.h>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "op_test_helpers.h"
#include "run_files.h"
#include "svertka/io/atomic_file.h"
#include "svertka/io/safetensors.h"
#include "synthetic_idx.h"
#include "weights_compare.h"

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

  // 8 updates per epoch of 64 samples.
  TrainConfig config(const std::string& run, int64_t max_iterations) const {
    TrainConfig c;
    c.loop.epochs = 3;
    c.loop.batch = 8;
    c.loop.max_iterations = max_iterations;
    c.loop.seed = 7;
    c.solver.schedule.kind = LrScheduleOptions::Kind::kStep;
    c.solver.schedule.base_lr = 0.02;
    c.solver.schedule.step_size = 5;
    c.snapshot.out_dir = (dir_ / run).string();
    return c;
  }

  // alexnet_small at a quarter width.
  TrainResult train(const TrainConfig& c, const BatchSource* validation) const {
    Trainer trainer(zoo_train_net("alexnet_small", *train_, c.loop.batch, 4), c, *train_,
                    validation);
    return trainer.run();
  }

  static std::vector<NamedTensor> weights(const std::string& run_dir) {
    return load_safetensors(run_dir + "/weights.safetensors").tensors;
  }

  fs::path dir_;
  std::unique_ptr<BatchSource> train_, val_;
};

TEST_F(TrainerTest, ResumeGivesBitwiseIdenticalWeights) {
  omp_set_num_threads(1);
  // 2N = 12 updates in one run; N = 6, then resume to 12 (crossing the epoch boundary at 8).
  train(config("whole", 12), val_.get());
  train(config("split", 6), val_.get());
  TrainConfig resumed = config("split", 12);
  resumed.snapshot.resume = true;
  const TrainResult result = train(resumed, val_.get());
  EXPECT_EQ(result.state.iteration, 12);
  expect_bitwise_equal(weights(config("whole", 0).snapshot.out_dir),
                       weights(config("split", 0).snapshot.out_dir));
}

TEST_F(TrainerTest, InterruptSavesACheckpointAndResumeMatchesAnUninterruptedRun) {
  omp_set_num_threads(1);
  train(config("whole", 10), nullptr);
  std::atomic<bool> stop{false};
  TrainConfig interrupted = config("interrupted", 10);
  interrupted.callbacks.stop_requested = &stop;
  interrupted.callbacks.on_progress = [&](const TrainProgress& p) { stop = p.iteration >= 3; };
  const TrainResult first = train(interrupted, nullptr);
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(first.state.iteration, 3);
  EXPECT_TRUE(fs::exists(interrupted.snapshot.out_dir + "/checkpoint.safetensors"));
  TrainConfig resumed = config("interrupted", 10);
  resumed.snapshot.resume = true;
  train(resumed, nullptr);
  expect_bitwise_equal(weights(config("whole", 0).snapshot.out_dir),
                       weights(resumed.snapshot.out_dir));
}

std::vector<NamedTensor> params_of(Net& net) {
  std::vector<NamedTensor> tensors;
  for (const Parameter& p : net.params()) tensors.push_back({p.name, p.value});
  return tensors;
}

TEST_F(TrainerTest, StepSnapshotAndRestoreCalledOneByOneMatchRun) {
  omp_set_num_threads(1);
  train(config("run", 10), nullptr);
  const TrainConfig c = config("steps", 10);
  const TrainNet net = zoo_train_net("alexnet_small", *train_, 8, 4);
  Trainer first(net, c, *train_, nullptr);
  for (int i = 0; i < 4; ++i) first.step();
  first.snapshot();
  Trainer second(net, c, *train_, nullptr);
  second.restore(c.snapshot.out_dir + "/checkpoint.safetensors");
  EXPECT_EQ(second.state().iteration, 4);
  for (int i = 0; i < 6; ++i) second.step();  // across the epoch boundary at 8
  EXPECT_EQ(second.state().iteration, 10);
  EXPECT_EQ(second.state().epoch, 1);
  expect_bitwise_equal(weights(config("run", 0).snapshot.out_dir), params_of(second.net()));
  SVERTKA_EXPECT_THROW_WITH(second.step(), ParamError, "10 planned updates");
}

TEST_F(TrainerTest, ZeroEpochsMeanAsManyAsMaxIterationsNeeds) {
  omp_set_num_threads(1);
  TrainConfig c = config("iterations", 11);  // 8 updates per epoch
  c.loop.epochs = 0;
  Trainer trainer(zoo_train_net("alexnet_small", *train_, 8, 4), c, *train_, nullptr);
  EXPECT_EQ(trainer.planned_iterations(), 11);
  const TrainResult result = trainer.run();
  EXPECT_EQ(result.state.iteration, 11);
  EXPECT_EQ(result.state.epoch, 1);
  c.loop.max_iterations = 0;
  SVERTKA_EXPECT_THROW_WITH(
      Trainer(zoo_train_net("alexnet_small", *train_, 8, 4), c, *train_, nullptr), ParamError,
      "max_iterations");
}

// The schedule's units are resolved in the library: by default a step schedule drops tenfold after
// a third of the run (3 epochs of 8 updates: at update 8), as `svertka train` always did.
TEST_F(TrainerTest, DefaultScheduleDropsTenfoldAfterAThirdOfTheRun) {
  omp_set_num_threads(1);
  TrainConfig c = config("default_schedule", 10);
  c.solver.schedule = {};
  std::vector<double> rates;
  c.callbacks.on_progress = [&](const TrainProgress& p) { rates.push_back(p.lr); };
  train(c, nullptr);
  ASSERT_EQ(rates.size(), 10u);
  EXPECT_DOUBLE_EQ(rates[7], 0.01);
  EXPECT_DOUBLE_EQ(rates[8], 0.001);
}

TEST_F(TrainerTest, TimeLimitStopsAfterTheUpdateThatReachesItAndSaves) {
  omp_set_num_threads(1);
  TrainConfig c = config("timed", 0);  // 3 epochs of 8 updates planned
  c.loop.time_limit_seconds = 1e-9;    // already reached when the first update ends
  const TrainResult result = train(c, val_.get());
  EXPECT_FALSE(result.interrupted);
  EXPECT_EQ(result.state.iteration, 1);
  EXPECT_EQ(result.last.iteration, 1);
  EXPECT_TRUE(fs::exists(c.snapshot.out_dir + "/weights.safetensors"));
}

TEST_F(TrainerTest, ReferenceBackendLossesDoNotDependOnThreadCount) {
  std::vector<double> losses[2];
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    TrainConfig c = config("threads" + std::to_string(threads), 6);
    c.loop.backend = Backend::kCpuRef;
    c.callbacks.on_progress = [&](const TrainProgress& p) {
      losses[threads - 1].push_back(p.loss);
    };
    train(c, nullptr);
  }
  omp_set_num_threads(1);
  EXPECT_EQ(losses[0], losses[1]);
  EXPECT_EQ(losses[0].size(), 6u);
}

TEST_F(TrainerTest, EvaluatingSavedWeightsReproducesTheValidationError) {
  omp_set_num_threads(1);
  const TrainResult result = train(config("eval", 8), val_.get());
  Net net(build_model("alexnet_small", model_options_for(*val_, 16, 4)), {.phase = Phase::kTest});
  load_weights(config("eval", 0).snapshot.out_dir + "/weights.safetensors", net);
  const TopKCounts counts = evaluate(net, *val_, "fc5");
  EXPECT_EQ(counts.samples, 20);
  EXPECT_DOUBLE_EQ(counts.top1_error(), result.last.val_top1_error);
  EXPECT_DOUBLE_EQ(counts.top5_error(), result.last.val_top5_error);
  std::ifstream metrics(config("eval", 0).snapshot.out_dir + "/metrics.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(metrics, line));
  EXPECT_NE(line.find("\"val_top1_error\""), std::string::npos);
}

TEST_F(TrainerTest, DivergenceStopsWithAClearErrorAndKeepsTheLastCheckpoint) {
  omp_set_num_threads(1);
  train(config("diverge", 8), nullptr);
  const std::string checkpoint = config("diverge", 0).snapshot.out_dir + "/checkpoint.safetensors";
  const auto before = fs::file_size(checkpoint);
  const auto time_before = fs::last_write_time(checkpoint);
  TrainConfig exploding = config("diverge", 16);
  exploding.snapshot.resume = true;
  exploding.solver.schedule.base_lr = 1e30;
  SVERTKA_EXPECT_THROW_WITH(train(exploding, nullptr), DataError, "diverged",
                            "checkpoint.safetensors");
  EXPECT_EQ(fs::file_size(checkpoint), before);
  EXPECT_EQ(fs::last_write_time(checkpoint), time_before);
}

TEST_F(TrainerTest, UnwritableRunDirectoryIsAnIoError) {
  TrainConfig c = config("x", 1);
  c.snapshot.out_dir = "/proc/svertka_cannot_write_here";
  SVERTKA_EXPECT_THROW_WITH(train(c, nullptr), IoError, "/proc/svertka_cannot_write_here");
}

TEST_F(TrainerTest, ResumeWithoutCheckpointNamesTheFile) {
  TrainConfig c = config("missing", 4);
  c.snapshot.resume = true;
  SVERTKA_EXPECT_THROW_WITH(train(c, nullptr), IoError, "checkpoint.safetensors");
}

TEST_F(TrainerTest, MetricsHaveEachEpochOnceWithItsWholeTotalsAcrossResumes) {
  omp_set_num_threads(1);
  train(config("whole", 12), val_.get());  // epoch 1 whole, epoch 2 up to its 4th update
  train(config("split", 6), val_.get());   // stops in epoch 1: its line has 6 updates' totals
  TrainConfig resumed = config("split", 12);
  resumed.snapshot.resume = true;
  std::ofstream(resumed.snapshot.out_dir + "/metrics.jsonl", std::ios::app)
      << "{\"epoch\": 1, \"lo";
  train(resumed, val_.get());
  const auto whole = metrics_without_seconds(config("whole", 0).snapshot.out_dir);
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(metrics_without_seconds(resumed.snapshot.out_dir), whole);
}

TEST_F(TrainerTest, TimedCheckpointMidEpochResumesToTheSameWeightsAndMetrics) {
  omp_set_num_threads(1);
  train(config("whole", 12), val_.get());
  TrainConfig crashing = config("crashed", 12);
  crashing.snapshot.minutes = 1e-12;  // due before every update
  crashing.callbacks.after_update = [](int64_t iteration) {
    if (iteration == 5) throw std::runtime_error("crash after update 5");
  };
  EXPECT_THROW(train(crashing, val_.get()), std::runtime_error);
  EXPECT_EQ(checkpoint_iteration(crashing.snapshot.out_dir), 4);  // mid-epoch: 8 updates each
  TrainConfig resumed = config("crashed", 12);
  resumed.snapshot.resume = true;
  train(resumed, val_.get());
  expect_bitwise_equal(weights(config("whole", 0).snapshot.out_dir),
                       weights(resumed.snapshot.out_dir));
  EXPECT_EQ(metrics_without_seconds(resumed.snapshot.out_dir),
            metrics_without_seconds(config("whole", 0).snapshot.out_dir));
}

TEST_F(TrainerTest, NoTimedCheckpointBeforeItsMinutesPass) {
  omp_set_num_threads(1);
  TrainConfig c = config("untimed", 12);
  c.snapshot.minutes = 60;
  c.callbacks.after_update = [](int64_t iteration) {
    if (iteration == 5) throw std::runtime_error("crash after update 5");
  };
  EXPECT_THROW(train(c, nullptr), std::runtime_error);
  EXPECT_FALSE(fs::exists(c.snapshot.out_dir + "/checkpoint.safetensors"));
}

TEST_F(TrainerTest, ResumingWithOtherDataOrBatchIsAParamErrorNamingTheDifference) {
  omp_set_num_threads(1);
  train(config("run", 4), nullptr);
  TrainConfig resumed = config("run", 8);
  resumed.snapshot.resume = true;
  const IdxBatchSource smaller(synthetic_idx(32, 1), Normalization{.mean = 0.3f, .stddev = 0.3f},
                               SmallImageAugment{});
  SVERTKA_EXPECT_THROW_WITH(
      Trainer(zoo_train_net("alexnet_small", smaller, 8, 4), resumed, smaller, nullptr), ParamError,
      "checkpoint.safetensors", "training samples: 64 in the checkpoint, 32 now");
  resumed.loop.batch = 16;
  SVERTKA_EXPECT_THROW_WITH(train(resumed, nullptr), ParamError,
                            "samples per update: 8 (batch 8 x iter_size 1 x 1 ranks) in the "
                            "checkpoint, 16 (batch 16 x iter_size 1 x 1 ranks) now");
  resumed.loop.batch = 8;
  resumed.loop.iter_size = 2;
  SVERTKA_EXPECT_THROW_WITH(train(resumed, nullptr), ParamError,
                            "16 (batch 8 x iter_size 2 x 1 ranks) now");
}

TEST_F(TrainerTest, StaleTemporariesOfGoneProcessesAreRemovedWhenTheRunStarts) {
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  const fs::path run = dir_ / "stale";
  fs::create_directories(run);
  const std::vector<fs::path> stale{
      run / ("checkpoint.safetensors.tmp." + std::to_string(gone)),
      run / ("weights.safetensors.tmp." + std::to_string(::getpid()))};
  const std::vector<fs::path> kept{run / ("metrics.jsonl.tmp." + std::to_string(::getppid())),
                                   run / "notes.tmp.txt"};
  for (const auto& files : {stale, kept})
    for (const fs::path& file : files) std::ofstream(file) << "partial";
  TrainConfig c = config("stale", 1);
  c.loop.epochs = 1;
  Trainer trainer(zoo_train_net("alexnet_small", *train_, c.loop.batch, 4), c, *train_, nullptr);
  for (const fs::path& file : stale) EXPECT_FALSE(fs::exists(file)) << file;
  for (const fs::path& file : kept) EXPECT_TRUE(fs::exists(file)) << file;
}

TEST_F(TrainerTest, FullDiskDuringACheckpointKeepsThePreviousOneAndSaysSo) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  omp_set_num_threads(1);
  const TrainConfig c = config("full", 4);
  Trainer trainer(zoo_train_net("alexnet_small", *train_, c.loop.batch, 4), c, *train_, nullptr);
  trainer.run();
  const std::string checkpoint = c.snapshot.out_dir + "/checkpoint.safetensors";
  const std::string before = read_file(checkpoint);
  // The atomic writer's temporary file is /dev/full: every write fails with ENOSPC.
  const std::string temporary = checkpoint + ".tmp." + std::to_string(::getpid());
  fs::create_symlink("/dev/full", temporary);
  const std::string unchanged = "the previous one (" + checkpoint + ") is unchanged";
  SVERTKA_EXPECT_THROW_WITH(trainer.snapshot(), IoError, "No space left on device",
                            "checkpoint of iteration 4 is not saved", unchanged.c_str());
  EXPECT_FALSE(fs::exists(fs::symlink_status(temporary)));
  EXPECT_EQ(read_file(checkpoint), before);
  TrainConfig resumed = config("full", 6);
  resumed.snapshot.resume = true;
  EXPECT_EQ(train(resumed, nullptr).state.iteration, 6);
}

}  // namespace
}  // namespace svertka::testing
