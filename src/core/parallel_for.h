// An OpenMP loop whose bodies may throw: each index's exception is kept, and the one of the lowest
// failing index is rethrown after the loop, the same whatever the thread count.
#pragma once

#include <cstdint>
#include <exception>
#include <vector>

namespace svertka {

template <class Body>
void parallel_for_rethrowing(int64_t count, Body&& body) {
  std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < count; ++i) {
    try {
      body(i);
    } catch (...) {
      errors[static_cast<size_t>(i)] = std::current_exception();
    }
  }
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace svertka
