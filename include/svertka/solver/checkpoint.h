// Checkpoints: one safetensors file holding the weights under their own names ("conv1.weight",
// readable by any safetensors reader), the momentum buffers under "solver/momentum/<name>", and the
// training state as metadata. Written atomically (temporary file, then rename).
#pragma once

#include <cstdint>
#include <string>

#include "svertka/net.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"

namespace svertka {

inline constexpr int kCheckpointVersion = 1;

struct TrainingState {
  int64_t iteration = 0;       // updates done
  int64_t epoch = 0;           // current epoch (0-based)
  int64_t epoch_position = 0;  // samples of the current epoch already used
  uint64_t seed = 0;
  std::string model;
  LrSchedule::State schedule;
};

void save_checkpoint(const std::string& path, const Net& net, const SgdSolver& solver,
                     const TrainingState& state);
// Restores weights, momentum and state; IoError names the file and what is missing or mismatched.
TrainingState load_checkpoint(const std::string& path, Net& net, SgdSolver& solver);

// Weights only (for `eval`): every parameter of `net` must be in the file with the same shape.
void save_weights(const std::string& path, const Net& net);
void load_weights(const std::string& path, Net& net);

}  // namespace svertka
