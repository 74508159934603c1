// The training state of a checkpoint (checkpoint.h) as the JSON of its "svertka_checkpoint"
// metadata, every field checked when read.
#pragma once

#include <string>

#include "svertka/solver/checkpoint.h"

namespace svertka {

std::string encode_training_state(const TrainingState& state);
// IoError "<path>: checkpoint field '<key>' ..." for a missing, mistyped or out-of-range value.
TrainingState decode_training_state(const std::string& json, const std::string& path);

}  // namespace svertka
