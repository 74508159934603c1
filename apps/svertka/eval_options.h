// The options of `svertka eval`, typed: what the command line and a recipe (recipe.h) set.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "data_options.h"
#include "localize.h"
#include "svertka/precision.h"

namespace svertka::cli {

struct EvalArgs {
  std::string recipe;  // TOML file giving defaults to the options below
  std::vector<std::string> models, weights;
  std::string data, crops = "center", out;
  std::string device;  // --device: cpu_dnnl, cpu_ref, cuda, cuda:N
  std::vector<int64_t> scales;
  int64_t batch = 0;  // views per forward pass; 0: chosen from the memory plan (eval_batch.h)
  int64_t pad = 2;
  std::string mean = "channel";
  Precision precision = Precision::kF32;
  ImageDataArgs image;
  LocalizeArgs localize;
};

// Registers every option of `svertka eval` on `cmd`, bound to `args`, with its checks.
void add_eval_options(CLI::App* cmd, EvalArgs& args);

}  // namespace svertka::cli
