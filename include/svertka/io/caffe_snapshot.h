// Caffe's solver snapshots, as `caffe train` writes them and `caffe train --snapshot` resumes
// them: <prefix>_iter_<N>.caffemodel, the TRAIN net's weights (NetParameter), and
// <prefix>_iter_<N>.solverstate (SolverState, binary protobuf: Caffe's default snapshot_format):
//   iter          N, the updates done
//   learned_net   the .caffemodel's path, as it was written
//   current_step  the step of the multistep policy (and of step: (N-1) / stepsize)
//   history       the solver's history blobs in the order of Caffe's history_: one per learnable
//                 parameter in the net's order (layers in order, each layer's blobs in order);
//                 AdaDelta and Adam a second set of as many after the first (their second
//                 moment: SgdSolver::history(1)).
// Each file is written atomically (io/atomic_file.h), the .caffemodel first, so that a state never
// names a model that is not there.
#pragma once

#include <cstdint>
#include <string>

#include "svertka/net.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"

namespace svertka {

// "<prefix>_iter_<iteration><extension>" (Caffe's Solver::SnapshotFilename).
std::string caffe_snapshot_path(const std::string& prefix, int64_t iteration,
                                const std::string& extension);

// Caffe's current_step_ after `iteration` updates: step: (iteration - 1) / step_size; multistep:
// the stepvalues passed, counting at most one per update as Caffe's GetLearningRate does; 0 for
// the other policies and before the first update.
int64_t caffe_current_step(const LrScheduleOptions& schedule, int64_t iteration);

// ParamError naming the layer unless every layer of `spec` keeps its parameters in Caffe as that
// layer's blobs, one per parameter in order (BatchNorm, stored as a BatchNorm and a Scale layer,
// does not): the layout Caffe's history follows.
void check_caffe_history_layout(const NetSpec& spec);

// Writes the pair for `net` (built from `spec`) and `solver` after `iteration` updates; returns the
// .solverstate's path.
std::string save_caffe_snapshot(const std::string& prefix, const NetSpec& spec, const Net& net,
                                const SgdSolver& solver, int64_t iteration, int64_t current_step);

struct CaffeSolverState {
  int64_t iteration = 0;
  int64_t current_step = 0;
  std::string learned_net;  // the .caffemodel read, resolved
};

// Resumes from a .solverstate: the weights of its learned_net (as given, which Caffe resolves
// from the working directory; else next to the state by that path or by file name), the
// history into `solver`. Everything is read and checked before `net` or `solver` changes. IoError
// naming `path` for a file that is not a SolverState, an .h5 state (HDF5 is unsupported), a
// negative iter, no learned_net or one that is not found, a history count other than
// history_buffers(type) x the net's parameters (naming the solver type), a history blob of
// another shape (naming the parameter), a multistep current_step that `schedule` would not have
// reached at that iteration; the .caffemodel's own errors name it.
CaffeSolverState restore_caffe_solverstate(const std::string& path, const NetSpec& spec, Net& net,
                                           SgdSolver& solver, const LrScheduleOptions& schedule);

}  // namespace svertka
