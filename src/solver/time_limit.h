// The clock of a training run and its time limit (LoopOptions::time_limit_seconds): rank 0's
// clock decides for every rank, so that all of them stop after the same update.
#pragma once

#include <chrono>

#include "solver/distribution.h"

namespace svertka {

class TimeLimit {
 public:
  explicit TimeLimit(double seconds) : seconds_(seconds) {}  // 0: no limit

  void start() { start_ = Clock::now(); }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  // Whether the limit is reached by rank 0's clock, on every rank (a collective with several
  // ranks and a limit; every rank must call it at the same point).
  bool reached(Distribution& ranks) const {
    if (seconds_ <= 0) return false;
    return ranks.any(ranks.writes() && elapsed() >= seconds_);
  }

 private:
  using Clock = std::chrono::steady_clock;
  double seconds_;
  Clock::time_point start_ = Clock::now();
};

}  // namespace svertka
