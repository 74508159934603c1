// A one-line progress bar on stderr: fraction done, rate, the caller's figures and the ETA,
// redrawn at most a few times a second.
#pragma once

#include <chrono>
#include <string>

namespace svertka::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)) {}
  // `details` is printed after the bar ("loss 0.41 lr 0.01"); rate in items per second.
  void update(double fraction, double rate, const std::string& unit, const std::string& details,
              double eta_seconds, bool force = false);
  void finish();  // ends the line

 private:
  std::string label_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

std::string format_duration(double seconds);  // "1h02m", "3m05s", "12s"

}  // namespace svertka::cli
