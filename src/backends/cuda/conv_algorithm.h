// The convolution algorithm of each shape and direction, chosen once per device. On the first call
// of a shape cuDNN times its candidate algorithms (cudnnFind*AlgorithmEx); the fastest one that
// succeeded and whose workspace fits the device's limit wins, and every later kernel of the same
// shape on the device takes it from this cache without timing again (PyTorch's
// cudnn.benchmark, done once per shape rather than per layer object).
//
// No CUDA type appears here: the choice is plain logic over measured candidates, tested on the
// host (tests/cuda/cuda_backend_test.cc).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace svertka::cuda {

enum class ConvDirection { kForward, kBackwardData, kBackwardFilter };

// Everything that decides a convolution's speed: the geometry, the direction and the math mode.
struct ConvKey {
  int64_t n, c, h, w, o, kh, kw, sh, sw, ph, pw, groups;
  ConvDirection direction;
  bool tf32;
  auto operator<=>(const ConvKey&) const = default;
};

// One algorithm as cuDNN measured it.
struct AlgorithmCandidate {
  int algorithm;  // cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t
  bool succeeded;
  float milliseconds;
  size_t workspace_bytes;
};

struct AlgorithmChoice {
  int algorithm;
  size_t workspace_bytes;
  float milliseconds = 0;  // as measured
};

// The fastest candidate that succeeded and needs at most `workspace_limit` bytes; the earlier one
// on a tie (cuDNN lists them fastest first). nullopt when none qualifies.
std::optional<AlgorithmChoice> choose_algorithm(std::span<const AlgorithmCandidate> candidates,
                                                size_t workspace_limit);

class ConvAlgorithmCache {
 public:
  using Measure = std::function<std::vector<AlgorithmCandidate>()>;
  // The choice for `key`: from the cache, or made from `measure()` on the first request.
  // BackendError naming the shape when no candidate qualifies.
  AlgorithmChoice choose(const ConvKey& key, size_t workspace_limit, const Measure& measure);
  // How many times a shape was measured (once per key).
  int64_t measurements() const;

 private:
  mutable std::mutex mutex_;
  std::map<ConvKey, AlgorithmChoice> choices_;
  int64_t measurements_ = 0;
};

}  // namespace svertka::cuda
