// svertka_gpu_check: the one prepared check of the CUDA backend on a GPU machine
// (scripts/gpu_check.sh runs it; docs/GPU.md). Each section writes a tab-separated file under the
// output folder and a summary line to stdout; the program exits 0 when every comparison is within
// its tolerance, 1 when one is not, 2 when there is no GPU. Plain C++ without GoogleTest, which
// the GPU machine lacks.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "relative_error.h"
#include "svertka/device.h"
#include "svertka/op.h"

namespace svertka::gpu_check {

struct CheckOptions {
  std::string out_dir = "gpu_check_out";
  std::string catalog = "shapes/catalog.txt";
  std::string fashion_mnist;  // IDX folder; empty: the training section is skipped
  int train_epochs = 2;
  bool quick = false;  // fewer nets and iterations (a smoke run)
};

// One results file: a header line, then rows; every row is echoed to stdout.
class Table {
 public:
  Table(const CheckOptions& options, const std::string& file, const std::string& header);
  void row(const std::string& line);
  int failures() const { return failures_; }
  void fail() { ++failures_; }

 private:
  std::ofstream out_;
  std::string file_;
  int failures_ = 0;
};

// Runs `op` on cpu_ref (host) and on `device` with the same random inputs, parameters and output
// gradients; the largest relative error of every output and gradient (the metric of
// tests/support/backend_compare.h).
struct Difference {
  std::string what;
  double max_relative_error;
};
struct CompareOptions {
  Phase phase = Phase::kTrain;
  bool backward = true;
  uint64_t step = 3;
  std::map<int, std::vector<double>> fixed_inputs;
};
std::vector<Difference> compare_with_reference(const Op& op, const std::vector<Shape>& inputs,
                                               Device& device, uint64_t seed,
                                               const CompareOptions& options = {});
using testing::max_relative_error;  // tests/support/relative_error.h
using testing::normwise_relative_error;

// The sections; each returns its number of failures.
int check_kernels(const CheckOptions& options, Device& device);
int check_padded_convolutions(const CheckOptions& options);  // channel_padding kAlways
int check_solver_steps(const CheckOptions& options, Device& device);
int check_nets(const CheckOptions& options, const std::shared_ptr<Device>& device);
int check_training(const CheckOptions& options, const std::shared_ptr<Device>& device);
int measure_throughput(const CheckOptions& options);
int time_layers(const CheckOptions& options);  // diagnostic: per-layer times, input copies
int check_nccl(const CheckOptions& options, Device& device);  // nccl_check.cc, with NCCL only

}  // namespace svertka::gpu_check
