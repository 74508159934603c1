// A one-line progress bar on stderr: fraction done, rate, the caller's figures and the ETA,
// redrawn at most a few times a second.
//
// The bar keeps its own time: its clock starts at the first update, and the rate and ETA come
// from the units done since then. So the first step's warm-up (oneDNN primitives, first-touch
// pages) does not distort them, and a resumed run counts only what it does itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace svertka::cli {

class ProgressBar {
 public:
  // `unit` names what `done` counts ("img"), shown as the rate's unit.
  ProgressBar(std::string label, std::string unit)
      : label_(std::move(label)), unit_(std::move(unit)) {}
  // `done` of `total` units so far; `details` is printed after the rate ("loss 0.41 lr 0.01").
  // Redraws at most every 250 ms, and always when done reaches total.
  void update(int64_t done, int64_t total, const std::string& details = "");
  void finish();  // ends the line

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_, unit_;
  bool started_ = false, drawn_ = false;
  Clock::time_point start_{}, last_draw_{};
  int64_t start_done_ = 0;
};

// The bar's text after `done` of `total` units, `timed_units` of them in `timed_seconds` (rate and
// ETA print as "?" while timed_units is 0).
std::string progress_line(const std::string& label, const std::string& unit, int64_t done,
                          int64_t total, int64_t timed_units, double timed_seconds,
                          const std::string& details);

std::string format_duration(double seconds);  // "1h02m", "3m05s", "12s"

}  // namespace svertka::cli
