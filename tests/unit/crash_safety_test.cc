// A training killed with SIGKILL at random moments (inside an update, inside a checkpoint's
// write), resumed after each kill, ends with the weights and metrics of an uninterrupted run.
// The trainings run in forked children; this process never starts OpenMP or oneDNN threads, so
// forking it is safe.
#include <gtest/gtest.h>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "run_files.h"
#include "svertka/io/safetensors.h"
#include "svertka/solver/trainer.h"
#include "synthetic_idx.h"
#include "weights_compare.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// In the child: 3 epochs of 8 updates of a quarter-width alexnet_small into `run_dir`, resuming
// from its checkpoint when there is one; exit status 0 once done.
[[noreturn]] void train_in_child(const std::string& run_dir, double snapshot_minutes) {
  int status = 1;
  try {
    omp_set_num_threads(1);
    const Normalization normalization{.mean = 0.3f, .stddev = 0.3f};
    const IdxBatchSource train(synthetic_idx(64, 1), normalization,
                               SmallImageAugment{.pad = 2, .mirror = true});
    const IdxBatchSource validation(synthetic_idx(20, 2), normalization, SmallImageAugment{});
    TrainConfig c;
    c.loop.epochs = 3;
    c.loop.batch = 8;
    c.loop.seed = 7;
    c.solver.schedule.kind = LrScheduleOptions::Kind::kStep;
    c.solver.schedule.base_lr = 0.02;
    c.solver.schedule.step_size = 5;
    c.snapshot.out_dir = run_dir;
    c.snapshot.minutes = snapshot_minutes;
    c.snapshot.resume = fs::exists(run_dir + "/checkpoint.safetensors");
    Trainer trainer(zoo_train_net("alexnet_small", train, c.loop.batch, 4), c, train, &validation);
    trainer.run();
    status = 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "training child: %s\n", e.what());
  }
  ::_exit(status);
}

pid_t start_training(const std::string& run_dir, double snapshot_minutes) {
  const pid_t pid = ::fork();
  if (pid == 0) train_in_child(run_dir, snapshot_minutes);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(CrashSafety, KilledAtRandomMomentsResumesToTheSameWeights) {
  const fs::path dir = fs::temp_directory_path() / ("svertka_crash_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string whole = (dir / "whole").string(), killed = (dir / "killed").string();

  const auto start = Clock::now();
  const int reference = wait_for(start_training(whole, 10));
  ASSERT_TRUE(WIFEXITED(reference) && WEXITSTATUS(reference) == 0);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("kill times drawn with seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> moment(0.05 * seconds, 0.5 * seconds);
  int kills = 0;
  bool mid_epoch = false;
  // The kill moments come from the reference run, but a killed run on a loaded machine is
  // slower: when a run makes no progress the window stretches, so the kills reach the updates.
  double stretch = 1;
  int64_t last_iteration = -1;
  for (int attempt = 0; attempt < 30 && (attempt < 6 || kills < 3 || !mid_epoch); ++attempt) {
    // A checkpoint before every update: kills land in writes as often as in updates.
    const pid_t child = start_training(killed, 1e-12);
    std::this_thread::sleep_for(std::chrono::duration<double>(stretch * moment(rng)));
    ::kill(child, SIGKILL);
    const int status = wait_for(child);
    if (WIFSIGNALED(status))
      ++kills;
    else
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a killed run failed";
    const int64_t iteration = checkpoint_iteration(killed);
    std::printf("run %d %s after %.2fx the window; its checkpoint is at iteration %lld\n",
                attempt + 1, WIFSIGNALED(status) ? "killed" : "finished", stretch,
                static_cast<long long>(iteration));
    mid_epoch = mid_epoch || (iteration > 0 && iteration % 8 != 0);
    if (WIFEXITED(status) && (kills < 3 || !mid_epoch)) {  // overshot: start the chain again
      fs::remove_all(killed);
      kills = 0;
      mid_epoch = false;
      stretch = std::max(1.0, stretch / 2);
      last_iteration = -1;
      continue;
    }
    if (iteration <= last_iteration) stretch *= 2;
    last_iteration = iteration;
  }
  EXPECT_GE(kills, 3);
  EXPECT_TRUE(mid_epoch) << "no kill came after a checkpoint inside an epoch";
  const int last = wait_for(start_training(killed, 1e-12));
  ASSERT_TRUE(WIFEXITED(last) && WEXITSTATUS(last) == 0);

  expect_bitwise_equal(load_safetensors(whole + "/weights.safetensors").tensors,
                       load_safetensors(killed + "/weights.safetensors").tensors);
  EXPECT_EQ(metrics_without_seconds(killed), metrics_without_seconds(whole));
  EXPECT_EQ(metrics_without_seconds(killed).size(), 3u);
  for (const auto& entry : fs::directory_iterator(killed))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos)
        << entry.path() << " was left by a killed write";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace svertka::testing
