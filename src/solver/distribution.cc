#include "solver/distribution.h"

#include <string>

#include "svertka/error.h"

namespace svertka {
namespace {

uint64_t weights_hash(const Net& net) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over 32-bit words
  for (const Parameter& p : net.params()) {
    const Tensor value = p.value.to_host();
    const auto* words = reinterpret_cast<const uint32_t*>(value.data());
    for (int64_t i = 0; i < value.numel(); ++i) h = (h ^ words[i]) * 1099511628211ull;
  }
  return h;
}

// Rank 0's values of `tensor` on every rank, through a host copy where it lives elsewhere.
void broadcast_from_rank0(Communicator& comm, Tensor& tensor) {
  Tensor host = tensor.to_host();
  comm.broadcast(std::span(host.data(), static_cast<size_t>(host.numel())), 0);
  if (!tensor.on_host()) tensor.copy_from(host);
}

}  // namespace

Distribution::Distribution(const DistributionOptions& options)
    : comm_(options.communicator ? *options.communicator : single_process_), options_(options) {}

bool Distribution::any(bool mine) {
  if (ranks() == 1) return mine;
  double count[1] = {mine ? 1.0 : 0.0};
  comm_.sum(count);
  return count[0] > 0;
}

void Distribution::sum(std::span<double> values) {
  if (ranks() > 1) comm_.sum(values);
}

void Distribution::share_from_rank0(Net& net, SgdSolver& solver, TrainingState& state) {
  if (ranks() == 1) return;
  for (Parameter& p : net.params()) broadcast_from_rank0(comm_, p.value);
  for (int b = 0; b < solver.num_history_buffers(); ++b)
    for (Tensor& h : solver.history(b)) broadcast_from_rank0(comm_, h);
  // The epoch's totals are rank 0's to carry (Trainer::restore): only their count is shared.
  double s[8] = {double(state.iteration),
                 double(state.epoch),
                 double(state.epoch_position),
                 state.schedule.best_error,
                 double(state.schedule.bad_evaluations),
                 double(state.schedule.drops),
                 double(state.totals.updates),
                 state.seconds};
  comm_.broadcast(s, 0);
  state.iteration = int64_t(s[0]);
  state.epoch = int64_t(s[1]);
  state.epoch_position = int64_t(s[2]);
  state.schedule = {.best_error = s[3], .bad_evaluations = int(s[4]), .drops = int(s[5])};
  state.totals.updates = int64_t(s[6]);
  state.seconds = s[7];
}

void Distribution::attach(std::vector<Parameter>& params) {
  if (ranks() > 1)
    averager_ = std::make_unique<GradientAverager>(params, comm_,
                                                   GradientAveragerOptions{options_.bucket_bytes});
}

void Distribution::begin_backward() {
  if (averager_) averager_->begin();
}

void Distribution::gradient_ready(int param) {
  if (averager_) averager_->ready(param);
}

void Distribution::finish_backward() {
  if (averager_) averager_->finish();
}

void Distribution::check_replicas(const Net& net, int64_t iteration) {
  if (ranks() == 1 || options_.check_replicas_every <= 0 ||
      iteration % options_.check_replicas_every != 0)
    return;
  if (!comm_.same_on_all_ranks(weights_hash(net)))
    throw DataError("the weights differ across ranks after iteration " + std::to_string(iteration) +
                    " (" + comm_.describe() + ")");
}

}  // namespace svertka
