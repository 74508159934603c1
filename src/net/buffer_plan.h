// Buffer sharing by liveness: requests whose live step ranges do not overlap may share one buffer.
#pragma once

#include <cstdint>
#include <vector>

namespace svertka {

struct BufferRequest {
  int64_t elements = 0;
  int first_step = 0, last_step = 0;  // inclusive
};

struct BufferPlan {
  std::vector<int> slot_of_request;
  // Per request: the request that takes its slot after it (so overwrites it), or -1 if none does.
  std::vector<int> next_occupant;
  std::vector<int64_t> slot_elements;
  int64_t total_elements() const;
};

// Greedy best fit in order of first use; with share == false every request gets its own slot.
BufferPlan plan_buffers(const std::vector<BufferRequest>& requests, bool share);

}  // namespace svertka
