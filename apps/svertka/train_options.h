// The options of `svertka train`, typed: what the command line and a recipe (recipe.h) set.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "data_options.h"
#include "localize.h"
#include "svertka/solver/train_config.h"

namespace svertka::cli {

// The options bind to `config`'s fields where the library has one, so their defaults are the
// library's (train_config.h, lr_schedule.h).
struct TrainArgs {
  TrainConfig config;
  std::string model;            // a zoo name, a .prototxt or an .onnx net
  std::string recipe;           // TOML file giving defaults to the options below
  std::vector<uint64_t> seeds;  // one run per seed, into OUT/seed<N> (an ensemble)
  std::string data;
  std::string device;  // --device: cpu_dnnl, cpu_ref, cuda, cuda:N
  std::string schedule = schedule_kind_name(LrScheduleOptions{}.kind);
  std::string solver_type = solver_type_name(SgdOptions{}.type);
  bool nesterov = false;  // --nesterov: --solver-type Nesterov
  bool momentum_given = false;
  bool batch_given = false;
  bool mirror_given = false;  // --mirror on the command line or in the recipe
  bool max_iter_given = false;  // --max-iter on the command line: it overrides a solver's max_iter
  std::string regularization = "L2";
  std::string mean = "channel";
  int64_t pad = 2;
  bool mirror = true;
  int threads = 0;
  ImageDataArgs image;
  std::string solver;
  // Caffe's snapshots (caffe_snapshots.h): --snapshot-prefix, else the solver's (resolved);
  // empty: none. --resume FILE: the .solverstate to continue from.
  std::string snapshot_prefix;
  std::string resume_state;
  double mpi_timeout = 600;
  double bucket_mb = 8;
  std::string debug_fault;  // "kill:RANK:ITER" or "hang:RANK:ITER" (tests of failure handling)
  LocalizeArgs localize;
  std::string classes;
};

// Registers every option of `svertka train` on `cmd`, bound to `args`, with its checks.
void add_train_options(CLI::App* cmd, TrainArgs& args);

}  // namespace svertka::cli
