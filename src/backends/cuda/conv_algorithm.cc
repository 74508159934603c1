#include "backends/cuda/conv_algorithm.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "svertka/error.h"

namespace svertka::cuda {

namespace {

const char* direction_name(ConvDirection direction) {
  switch (direction) {
    case ConvDirection::kForward:
      return "forward";
    case ConvDirection::kBackwardData:
      return "backward data";
    case ConvDirection::kBackwardFilter:
      return "backward filter";
  }
  return "?";
}

// SVERTKA_CUDA_LOG_ALGORITHMS=1: each measurement and its choice on stderr (docs/GPU.md), to see
// which algorithm a slow layer got.
void log_measurement(const ConvKey& key, const std::vector<AlgorithmCandidate>& candidates,
                     const std::optional<AlgorithmChoice>& choice) {
  static const bool enabled = std::getenv("SVERTKA_CUDA_LOG_ALGORITHMS") != nullptr;
  if (!enabled) return;
  std::string line =
      fmt::format("svertka cuda: {} n{} c{} {}x{} o{} k{}x{} s{} p{} g{}{}: chose {}; measured",
                  direction_name(key.direction), key.n, key.c, key.h, key.w, key.o, key.kh, key.kw,
                  key.sh, key.ph, key.groups, key.tf32 ? " tf32" : "",
                  choice ? std::to_string(choice->algorithm) : "none");
  for (const AlgorithmCandidate& c : candidates)
    line += c.succeeded ? fmt::format(" {}:{:.3f}ms/{}MiB", c.algorithm, c.milliseconds,
                                      c.workspace_bytes >> 20)
                        : fmt::format(" {}:-", c.algorithm);
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

std::optional<AlgorithmChoice> choose_algorithm(std::span<const AlgorithmCandidate> candidates,
                                                size_t workspace_limit) {
  const AlgorithmCandidate* best = nullptr;
  for (const AlgorithmCandidate& c : candidates) {
    if (!c.succeeded || c.workspace_bytes > workspace_limit) continue;
    if (!best || c.milliseconds < best->milliseconds) best = &c;
  }
  if (!best) return std::nullopt;
  return AlgorithmChoice{best->algorithm, best->workspace_bytes, best->milliseconds};
}

AlgorithmChoice ConvAlgorithmCache::choose(const ConvKey& key, size_t workspace_limit,
                                           const Measure& measure) {
  std::lock_guard lock(mutex_);
  const auto it = choices_.find(key);
  if (it != choices_.end()) return it->second;
  const std::vector<AlgorithmCandidate> candidates = measure();
  ++measurements_;
  const std::optional<AlgorithmChoice> choice = choose_algorithm(candidates, workspace_limit);
  log_measurement(key, candidates, choice);
  if (!choice)
    throw BackendError(fmt::format(
        "cuDNN offers no {} convolution algorithm for input {}x{}x{}x{}, {} outputs, kernel "
        "{}x{}, stride {}x{}, pad {}x{}, groups {} within a workspace of {} bytes ({} tried)",
        direction_name(key.direction), key.n, key.c, key.h, key.w, key.o, key.kh, key.kw, key.sh,
        key.sw, key.ph, key.pw, key.groups, workspace_limit, candidates.size()));
  choices_.emplace(key, *choice);
  return *choice;
}

int64_t ConvAlgorithmCache::measurements() const {
  std::lock_guard lock(mutex_);
  return measurements_;
}

}  // namespace svertka::cuda
