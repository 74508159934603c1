// How a caller other than the command line (the Python module's svertka.train) joins `svertka
// train`'s run: the same options, recipe and Trainer, with its own stop flag and callbacks.
#pragma once

#include <atomic>
#include <functional>

#include "svertka/solver/trainer.h"

namespace svertka::cli {

struct TrainHooks {
  // Set: the run saves a checkpoint and stops when this becomes true (as on Ctrl-C), and the
  // command leaves SIGINT and SIGTERM to the caller; null: it handles them itself.
  const std::atomic<bool>* stop_requested = nullptr;
  // After each update, once the progress line is drawn (rank 0).
  std::function<void(const TrainProgress&)> on_progress;
  // After each epoch's line is printed (rank 0).
  std::function<void(const EpochMetrics&)> on_epoch;
  // The result of each run (one per --seeds entry), on rank 0.
  std::function<void(const TrainResult&)> on_result;
};

}  // namespace svertka::cli
