// A communicator for tests of data parallelism in one process (dist/communicator.h).
#pragma once

#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "svertka/dist/communicator.h"

namespace svertka::testing {

// Pretends to be rank 0 of `ranks` whose peers hold gradients `peer_scale` times ours; records
// the sizes of the sums in the order they were started.
class FakeCommunicator final : public Communicator {
 public:
  FakeCommunicator(int ranks, float peer_scale) : ranks_(ranks), peer_scale_(peer_scale) {}
  int rank() const override { return 0; }
  int size() const override { return ranks_; }
  std::string describe() const override { return "fake"; }
  void start_sum(std::span<float> data) override {
    started.push_back(static_cast<int64_t>(data.size()));
    pending_.push_back(data);
  }
  void progress() override {}
  void wait_all() override {
    for (std::span<float> d : pending_)
      for (float& x : d) x += float(ranks_ - 1) * peer_scale_ * x;
    pending_.clear();
  }
  void sum(std::span<double>) override {}
  void broadcast(std::span<float>, int) override {}
  void broadcast(std::span<double>, int) override {}
  bool same_on_all_ranks(uint64_t) override { return true; }
  [[noreturn]] void abort(int) noexcept override { std::abort(); }

  std::vector<int64_t> started;

 private:
  int ranks_;
  float peer_scale_;
  std::vector<std::span<float>> pending_;
};

}  // namespace svertka::testing
