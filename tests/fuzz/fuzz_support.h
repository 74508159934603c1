// What every harness shares: the input as a file, for readers that take a path, and the rule that
// a thrown svertka::Error is a normal outcome. Anything else (another exception, a crash, a
// sanitizer report) escapes the harness and is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "svertka/error.h"
#include "svertka/net.h"
#include "svertka/net_spec.h"

namespace svertka::fuzz {

// Writes the input to `name` (its extension can matter to a reader) in a folder of this process
// under the temporary directory, removed at exit; returns the path.
std::string write_input(const uint8_t* data, size_t size, const std::string& name);
std::string write_input(std::string_view bytes, const std::string& name);

// Runs `read`; a svertka::Error is what a reader may answer to any bytes.
template <class Read>
void expect_only_errors(Read&& read) {
  try {
    read();
  } catch (const svertka::Error&) {
  }
}

// (N,1,4,4) -> conv 2x3x3 -> relu -> fc 3: small enough to fuzz, with every kind of parameter
// the model readers fill.
NetSpec tiny_spec(int64_t batch = 2);
// The reference backend, which the core has: the harnesses link no more than the reader's
// component.
inline const NetOptions kNetOptions{.backend = Backend::kCpuRef};

}  // namespace svertka::fuzz
