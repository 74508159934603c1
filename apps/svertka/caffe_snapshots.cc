#include "caffe_snapshots.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "svertka/error.h"
#include "svertka/io/caffe_snapshot.h"

namespace svertka::cli {

void write_caffe_snapshots(const std::string& prefix, const NetSpec& spec,
                           const LrScheduleOptions& schedule, TrainCallbacks& callbacks) {
  check_caffe_history_layout(spec);
  // Caffe's CheckSnapshotWritePermissions: a probe file beside the snapshots to come.
  const std::string probe = caffe_snapshot_path(prefix, 0, ".tempfile");
  if (!std::ofstream(probe))
    throw IoError("cannot write to snapshot prefix '" + prefix + "' (" + probe +
                  "): make sure its folder exists and can be written");
  std::filesystem::remove(probe);
  callbacks.on_snapshot = [prefix, spec, schedule](const Net& net, const SgdSolver& solver,
                                                   int64_t iteration) {
    const std::string state = save_caffe_snapshot(prefix, spec, net, solver, iteration,
                                                  caffe_current_step(schedule, iteration));
    fmt::print("\nsnapshot at iteration {}: {} and {}\n", iteration,
               caffe_snapshot_path(prefix, iteration, ".caffemodel"), state);
    std::fflush(stdout);
  };
}

void resume_caffe_state(Trainer& trainer, const std::string& path, const NetSpec& spec,
                        const LrScheduleOptions& schedule) {
  CaffeSolverState state;
  trainer.restore_from([&](Net& net, SgdSolver& solver) {
    state = restore_caffe_solverstate(path, spec, net, solver, schedule);
    return state.iteration;
  });
  if (!state.learned_net.empty())  // rank 0
    fmt::print("resumed from {} at iteration {} (weights: {})\n", path, state.iteration,
               state.learned_net);
}

}  // namespace svertka::cli
