#include "progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace svertka::cli {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string progress_line(const std::string& label, const std::string& unit, int64_t done,
                          int64_t total, int64_t timed_units, double timed_seconds,
                          const std::string& details) {
  constexpr int kWidth = 24;
  const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  const std::string bar = std::string(static_cast<size_t>(filled), '#') +
                          std::string(static_cast<size_t>(kWidth - filled), '.');
  const bool timed = timed_units > 0 && timed_seconds > 0;
  const double rate = timed ? double(timed_units) / timed_seconds : 0;
  const std::string rate_text = timed ? fmt::format("{:.0f}", rate) : "?";
  const double eta = timed ? double(std::max<int64_t>(total - done, 0)) / rate : NAN;
  return fmt::format("{} [{}] {:5.1f}% {} {}/s{}{} ETA {}", label, bar, 100 * fraction, rate_text,
                     unit, details.empty() ? "" : " ", details, format_duration(eta));
}

void ProgressBar::update(int64_t done, int64_t total, const std::string& details) {
  const auto now = Clock::now();
  if (!started_) {
    started_ = true;
    start_ = now;
    start_done_ = done;
  }
  const bool last = done >= total;
  if (!last && drawn_ && now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  drawn_ = true;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  fmt::print(stderr, "\r{}\033[K",
             progress_line(label_, unit_, done, total, done - start_done_, seconds, details));
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

}  // namespace svertka::cli
