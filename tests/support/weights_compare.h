// Weights of two runs, compared bit for bit (resume, thread counts, backends).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "svertka/io/safetensors.h"

namespace svertka::testing {

inline void expect_bitwise_equal(const std::vector<NamedTensor>& a,
                                 const std::vector<NamedTensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].name, b[k].name);
    ASSERT_EQ(a[k].tensor.numel(), b[k].tensor.numel());
    EXPECT_EQ(std::memcmp(a[k].tensor.data(), b[k].tensor.data(), a[k].tensor.bytes()), 0)
        << a[k].name << " differs";
  }
}

}  // namespace svertka::testing
