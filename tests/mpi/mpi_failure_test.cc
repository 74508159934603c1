// A rank that dies or hangs must end the whole run with a clear error, not hang it, and leave the
// last checkpoint intact. Runs `mpirun -np 2 svertka train --debug-fault ...` as a child process.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/zoo.h"
#include "synthetic_idx.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

struct ChildRun {
  int exit_code = 0;
  std::string output;
  double seconds = 0;
};

ChildRun run(const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  ChildRun r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

class MpiFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("svertka_mpi_failure_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "data");
    write_idx((dir_ / "data").string(), "train", synthetic_idx(64, 1));
    write_idx((dir_ / "data").string(), "t10k", synthetic_idx(16, 2));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // 2 ranks x batch 4: 8 updates an epoch; a checkpoint every 2 updates.
  ChildRun train_with_fault(const std::string& fault, const std::string& extra = "") const {
    return run(std::string(SVERTKA_MPIEXEC) +
               " -np 2 --oversubscribe --allow-run-as-root -x OMP_NUM_THREADS=1 " SVERTKA_CLI
               " train --model lenet --data " +
               (dir_ / "data").string() + " --batch 4 --epochs 3 --snapshot 2 --out " +
               (dir_ / "run").string() + " --debug-fault " + fault + " " + extra);
  }

  int64_t checkpoint_iteration() const {
    ModelOptions options{.num_classes = 10, .channels = 1, .height = 28, .width = 28, .batch = 4};
    Net net(build_model("lenet", options));
    SgdSolver solver(net.params(), {});
    return load_checkpoint((dir_ / "run" / "checkpoint.safetensors").string(), net, solver)
        .iteration;
  }

  fs::path dir_;
};

TEST_F(MpiFailure, ARankKilledMidRunEndsTheRunAndKeepsTheLastCheckpoint) {
  const ChildRun r = train_with_fault("kill:1:5");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.seconds, 30) << r.output;
  // Open MPI's launcher names the rank and the signal.
  EXPECT_NE(r.output.find("signal 9"), std::string::npos) << r.output;
  EXPECT_EQ(checkpoint_iteration(), 4);
}

TEST_F(MpiFailure, AHangingRankMakesTheOthersTimeOutWithAClearError) {
  const ChildRun r = train_with_fault("hang:1:3", "--mpi-timeout 3");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.seconds, 30) << r.output;
  EXPECT_NE(r.output.find("MPI rank 0 of 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did not answer within 3 s"), std::string::npos) << r.output;
  EXPECT_EQ(checkpoint_iteration(), 2);
}

}  // namespace
}  // namespace svertka::testing
