// GoogleTest assertions over the gradient checker and the backend comparison.
#pragma once

#include <gtest/gtest.h>

#include "backend_compare.h"
#include "gradient_check.h"
#include "random_fill.h"
#include "shape_catalog.h"
#include "svertka/kernel_registry.h"

namespace svertka::testing {

inline constexpr double kBackendTolerance = 1e-4;  // dnnl vs reference, relative

inline void expect_gradients_ok(const Op& op, const std::vector<TensorD>& inputs, uint64_t seed,
                                const GradientCheckOptions& options = {}) {
  const GradientCheckReport report = check_gradients(op, inputs, seed, options);
  EXPECT_GT(report.checked, 0) << op.label() << ": no point was checked";
  EXPECT_LE(report.worst_error, options.tolerance)
      << op.label() << ": worst relative error " << report.worst_error;
  for (const auto& failure : report.failures) ADD_FAILURE() << op.label() << ": " << failure;
}

inline void expect_backends_agree(const Op& op, const std::vector<Shape>& input_shapes,
                                  uint64_t seed, const BackendCompareOptions& options = {},
                                  double tolerance = kBackendTolerance) {
  for (const Difference& d : compare_backends(op, input_shapes, seed, options))
    EXPECT_LE(d.max_relative_error, tolerance)
        << op.label() << " " << input_shapes.at(0).str() << ": " << d.what << " differs between "
        << backend_name(options.expected) << " and " << backend_name(options.actual);
}

// Runs expect_backends_agree on every catalog entry of `kind`, and checks there was at least one.
inline void expect_backends_agree_on_catalog(const std::string& kind, uint64_t seed) {
  const auto entries = catalog_entries(kind);
  ASSERT_FALSE(entries.empty()) << "the shape catalog has no '" << kind << "' entries";
  for (const auto& entry : entries) {
    SCOPED_TRACE(entry.line);
    expect_backends_agree(*entry.make_op(), {entry.input}, seed);
  }
}

// Expects `statement` to throw ErrorType whose message contains every one of `fragments`.
#define SVERTKA_EXPECT_THROW_WITH(statement, ErrorType, ...)                   \
  do {                                                                         \
    try {                                                                      \
      statement;                                                               \
      ADD_FAILURE() << "expected " #ErrorType " from: " #statement;            \
    } catch (const ErrorType& error) {                                         \
      for (const char* fragment : {__VA_ARGS__})                               \
        EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) \
            << "message '" << error.what() << "' lacks '" << fragment << "'";  \
    }                                                                          \
  } while (0)

}  // namespace svertka::testing
