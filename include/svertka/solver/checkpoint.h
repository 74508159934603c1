// Checkpoints: one safetensors file holding the weights under their own names ("conv1.weight",
// readable by any safetensors reader), the solver's history buffers under "solver/momentum/<name>"
// (and "solver/history2/<name>" for AdaDelta and Adam), and as metadata the training state and
// the solver type ("svertka_solver": a resume with another type is a ParamError). Written atomically (temporary file, fsync, rename, fsync of the
// directory): a crash or a full disk leaves the previous checkpoint as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "svertka/net.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"

namespace svertka {

// 2: records the run it belongs to (RunSignature), the epoch's totals and the training time.
inline constexpr int kCheckpointVersion = 2;

// What a checkpoint's position means only together with (check_resumable).
struct RunSignature {
  int64_t train_samples = 0;  // size of the training set
  int64_t batch = 0;          // samples per forward pass, on each rank
  int64_t iter_size = 0;      // batches per update
  int64_t ranks = 0;          // processes of a data-parallel run
  // 16 hex digits: layers' names, types, connections and output shapes, parameters' shapes
  // (architecture_hash); not op settings that leave every shape alone (a dropout ratio).
  std::string architecture;
};

// The current epoch's training measures so far, summed over its updates and every rank, so that a
// resumed epoch reports its whole totals.
struct EpochTotals {
  double loss = 0;  // sum of the updates' losses (over ranks: each rank's sum, added)
  double top1 = 0;  // correct-batch fractions, summed over batches and ranks
  double top5 = 0;
  double measure = 0;  // the task's measure (train_task.h), summed like loss
  int64_t updates = 0;
};

struct TrainingState {
  int64_t iteration = 0;       // updates done
  int64_t epoch = 0;           // current epoch (0-based)
  int64_t epoch_position = 0;  // samples of the current epoch already used (over every rank)
  uint64_t seed = 0;
  std::string model;
  LrSchedule::State schedule;
  RunSignature run;
  EpochTotals totals;
  double seconds = 0;  // training wall time up to this state, over every resume
};

// FNV-1a over the inputs' names and sample shapes, the layers' names, bottoms and tops, and
// describe_layers(spec, kTrain) (types, output shapes without the batch, parameter counts), as 16
// hex digits.
std::string architecture_hash(const NetSpec& spec);

// `metadata`: further entries of the file's metadata (the input transform record).
void save_checkpoint(const std::string& path, const Net& net, const SgdSolver& solver,
                     const TrainingState& state,
                     const std::map<std::string, std::string>& metadata = {});
// Restores weights, momentum and state. IoError naming the file and the field for a missing,
// mistyped or out-of-range state value (a negative epoch_position, a position past the recorded
// training set, NaN totals), an older version, or a tensor that is missing or mismatched.
// `check_state`, when given, sees the state before anything is copied and may throw.
TrainingState load_checkpoint(const std::string& path, Net& net, SgdSolver& solver,
                              const std::function<void(const TrainingState&)>& check_state = {});

// ParamError naming `path` and each difference between the run `saved` belongs to and the one
// that would resume it (`now`): model, seed, training set size, samples per update (batch x
// iter_size x ranks: another split of the same product resumes, N ranks on M) and architecture.
void check_resumable(const std::string& path, const TrainingState& saved, const TrainingState& now);

// Weights only (for `eval`): every parameter of `net` must be in the file with the same shape.
void save_weights(const std::string& path, const Net& net,
                  const std::map<std::string, std::string>& metadata = {});
void load_weights(const std::string& path, Net& net);

}  // namespace svertka
