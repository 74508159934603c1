// What a training run writes (train_config.h: SnapshotOptions): checkpoint.safetensors,
// weights.safetensors and metrics.jsonl in one directory, by rank 0 alone, each replaced atomically
// (io/atomic_file.h), so that a crash never tears one; with no directory (or on another rank) every
// write is skipped.
#pragma once

#include <map>
#include <string>

#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/solver/sgd.h"
#include "svertka/solver/train_config.h"

namespace svertka {

class RunDirectory {
 public:
  // Creates `dir` when `writer`, checks that it can be written (IoError naming it otherwise) and
  // removes the temporary files that killed writes left there (remove_stale_temporaries).
  // `metadata` goes into every checkpoint and weights file (SnapshotOptions::metadata).
  RunDirectory(std::string dir, bool writer, std::map<std::string, std::string> metadata = {});

  bool writes() const { return writes_; }
  const std::string& dir() const { return dir_; }
  std::string checkpoint_path() const { return dir_ + "/checkpoint.safetensors"; }
  std::string metrics_path() const { return dir_ + "/metrics.jsonl"; }

  // IoError when it cannot be written, saying that the previous checkpoint (if any) is unchanged.
  void save_checkpoint(const Net& net, const SgdSolver& solver, const TrainingState& state) const;
  // Replaces metrics.jsonl by its lines of the epochs before `metrics`' (those of this epoch or
  // later come from a run this one resumed before their end, and a torn line from an older
  // version's append) and `metrics`' line.
  void record_epoch(const EpochMetrics& metrics) const;
  void save_weights(const Net& net) const;

 private:
  std::string dir_;
  bool writes_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace svertka
