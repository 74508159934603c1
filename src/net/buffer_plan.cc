#include "net/buffer_plan.h"

#include <algorithm>
#include <numeric>

namespace svertka {

int64_t BufferPlan::total_elements() const {
  return std::accumulate(slot_elements.begin(), slot_elements.end(), int64_t{0});
}

BufferPlan plan_buffers(const std::vector<BufferRequest>& requests, bool share) {
  BufferPlan plan;
  plan.slot_of_request.assign(requests.size(), -1);
  plan.next_occupant.assign(requests.size(), -1);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].first_step < requests[b].first_step;
  });
  std::vector<int> busy_until;  // per slot: last step of its current occupant
  std::vector<int> occupant;    // per slot: the request occupying it
  for (size_t r : order) {
    const BufferRequest& request = requests[r];
    int chosen = -1;
    if (share) {
      for (size_t s = 0; s < plan.slot_elements.size(); ++s) {
        if (busy_until[s] >= request.first_step) continue;
        const bool fits = plan.slot_elements[s] >= request.elements;
        if (chosen < 0) {
          chosen = static_cast<int>(s);
          continue;
        }
        const int64_t best = plan.slot_elements[static_cast<size_t>(chosen)];
        const bool best_fits = best >= request.elements;
        // Prefer the smallest slot that fits; failing that, the largest one (least growth).
        if ((fits && (!best_fits || plan.slot_elements[s] < best)) ||
            (!fits && !best_fits && plan.slot_elements[s] > best))
          chosen = static_cast<int>(s);
      }
    }
    if (chosen < 0) {
      chosen = static_cast<int>(plan.slot_elements.size());
      plan.slot_elements.push_back(0);
      busy_until.push_back(0);
      occupant.push_back(-1);
    }
    auto slot = static_cast<size_t>(chosen);
    plan.slot_elements[slot] = std::max(plan.slot_elements[slot], request.elements);
    busy_until[slot] = request.last_step;
    if (occupant[slot] >= 0)
      plan.next_occupant[static_cast<size_t>(occupant[slot])] = static_cast<int>(r);
    occupant[slot] = static_cast<int>(r);
    plan.slot_of_request[r] = chosen;
  }
  return plan;
}

}  // namespace svertka
