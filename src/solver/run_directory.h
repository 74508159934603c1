// What a training run writes (train_config.h: SnapshotOptions): checkpoint.safetensors,
// weights.safetensors and metrics.jsonl in one directory, by rank 0 alone; with no directory (or
// on another rank) every write is skipped.
#pragma once

#include <string>

#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/solver/sgd.h"
#include "svertka/solver/train_config.h"

namespace svertka {

class RunDirectory {
 public:
  // Creates `dir` when `writer` and checks that it can be written: IoError naming it otherwise.
  RunDirectory(std::string dir, bool writer);

  bool writes() const { return writes_; }
  const std::string& dir() const { return dir_; }
  std::string checkpoint_path() const { return dir_ + "/checkpoint.safetensors"; }

  void save_checkpoint(const Net& net, const SgdSolver& solver, const TrainingState& state) const;
  void append_metrics(const EpochMetrics& metrics) const;
  void save_weights(const Net& net) const;

 private:
  std::string dir_;
  bool writes_;
};

}  // namespace svertka
