// Caffe's snapshots in `svertka train`: <prefix>_iter_<N>.caffemodel and .solverstate where
// `caffe train` writes them (a solver's snapshot and snapshot_after_train, or --snapshot-prefix),
// and --resume X.solverstate continuing such a run as `caffe train --snapshot X.solverstate`.
#pragma once

#include <string>

#include "svertka/net_spec.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {

// Writes the pair at every snapshot of the run (TrainCallbacks::on_snapshot) under `prefix`, the
// multistep policy's current_step from `schedule`. Checks first, as Caffe does, that the prefix's
// folder can be written (IoError naming the prefix) and that `spec`'s history has Caffe's layout.
void write_caffe_snapshots(const std::string& prefix, const NetSpec& spec,
                           const LrScheduleOptions& schedule, TrainCallbacks& callbacks);

// Continues `trainer` from the Caffe solver state `path` (io/caffe_snapshot.h) and says so.
void resume_caffe_state(Trainer& trainer, const std::string& path, const NetSpec& spec,
                        const LrScheduleOptions& schedule);

}  // namespace svertka::cli
