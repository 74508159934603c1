#include "backends/cuda/conv_algorithm.h"

#include <fmt/format.h>

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

}  // namespace

std::optional<AlgorithmChoice> choose_algorithm(std::span<const AlgorithmCandidate> candidates,
                                                size_t workspace_limit) {
  const AlgorithmCandidate* best = nullptr;
  for (const AlgorithmCandidate& c : candidates) {
    if (!c.succeeded || c.workspace_bytes > workspace_limit) continue;
    if (!best || c.milliseconds < best->milliseconds) best = &c;
  }
  if (!best) return std::nullopt;
  return AlgorithmChoice{best->algorithm, best->workspace_bytes};
}

AlgorithmChoice ConvAlgorithmCache::choose(const ConvKey& key, size_t workspace_limit,
                                           const Measure& measure) {
  std::lock_guard lock(mutex_);
  const auto it = choices_.find(key);
  if (it != choices_.end()) return it->second;
  const std::vector<AlgorithmCandidate> candidates = measure();
  ++measurements_;
  const std::optional<AlgorithmChoice> choice = choose_algorithm(candidates, workspace_limit);
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
