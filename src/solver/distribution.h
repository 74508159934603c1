// The trainer's view of the ranks of a data-parallel run (train_config.h: DistributionOptions):
// which rank writes, agreement on small values, rank 0's starting point shared with every rank,
// gradients averaged during backward, and the replicas' weights compared. With one process every
// piece is the identity.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "svertka/dist/communicator.h"
#include "svertka/dist/gradient_averager.h"
#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/solver/sgd.h"
#include "svertka/solver/train_config.h"

namespace svertka {

class Distribution {
 public:
  // This process alone when options.communicator is null.
  explicit Distribution(const DistributionOptions& options);

  Communicator& comm() { return comm_; }
  int ranks() const { return comm_.size(); }
  int rank() const { return comm_.rank(); }
  bool writes() const { return comm_.rank() == 0; }  // rank 0 alone writes and reports

  // Whether `mine` is true on any rank, on every rank (a collective when there are several).
  bool any(bool mine);
  // Element-wise sum across ranks, in place (a collective when there are several).
  void sum(std::span<double> values);

  // Every rank starts from rank 0's weights, momentum and state (a resume reads the checkpoint on
  // rank 0 only, so the other machines need no copy of it).
  void share_from_rank0(Net& net, SgdSolver& solver, TrainingState& state);

  // Gradient averaging across ranks in buckets during backward (nothing with one rank).
  void attach(std::vector<Parameter>& params);
  void begin_backward();
  void gradient_ready(int param);
  void finish_backward();

  // Every check_replicas_every updates: DataError unless every rank holds bitwise equal weights.
  void check_replicas(const Net& net, int64_t iteration);

 private:
  LocalCommunicator single_process_;
  Communicator& comm_;
  DistributionOptions options_;
  std::unique_ptr<GradientAverager> averager_;
};

}  // namespace svertka
