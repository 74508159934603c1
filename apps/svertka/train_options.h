// The options of `svertka train`, typed: what the command line and a recipe (recipe.h) set.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "data_options.h"
#include "localize.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {

struct TrainArgs {
  TrainConfig config;
  std::string recipe;           // TOML file giving defaults to the options below
  std::vector<uint64_t> seeds;  // one run per seed, into OUT/seed<N> (an ensemble)
  std::string data;
  std::string schedule = "step";
  double lr = 0.01;
  double gamma = 0.1;
  int64_t step_size = 0;    // iterations; 0: step_epochs, else a third of the run
  int64_t step_epochs = 0;  // epochs between drops (step), converted at the data's size
  std::vector<int64_t> milestones;
  double power = 1.0;
  int patience = 1, max_drops = 3;  // plateau
  std::string mean = "channel";
  int64_t pad = 2;
  bool mirror = true;
  int threads = 0;
  ImageDataArgs image;
  std::string solver;
  double mpi_timeout = 600;
  double bucket_mb = 8;
  std::string debug_fault;  // "kill:RANK:ITER" or "hang:RANK:ITER" (tests of failure handling)
  LocalizeArgs localize;
  std::string classes;
};

// Registers every option of `svertka train` on `cmd`, bound to `args`, with its checks.
void add_train_options(CLI::App* cmd, TrainArgs& args);

}  // namespace svertka::cli
