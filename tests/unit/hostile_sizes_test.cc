// Sizes taken from files: element counts that overflow int64 and tensors larger than memory are
// typed errors, not wrapped-around products or std::bad_alloc.
#include <gtest/gtest.h>

#include "hostile_input.h"
#include "svertka/error.h"
#include "svertka/tensor.h"

namespace svertka::testing {
namespace {

constexpr int64_t k2to32 = int64_t{1} << 32;

TEST(HostileSizes, NumelThatOverflowsIsAShapeError) {
  expect_error<ShapeError>([] { Shape{k2to32, k2to32, 4}.numel(); }, {"(4294967296,"});
  EXPECT_EQ((Shape{k2to32, k2to32, 0}.numel()), 0);
  EXPECT_EQ((Shape{k2to32, 1 << 30}.numel()), int64_t{1} << 62);
}

TEST(HostileSizes, CheckedNumelRejectsNegativeAndOverflowingDimensions) {
  EXPECT_EQ(checked_numel({}), 1);
  EXPECT_EQ(checked_numel({2, 3, 4}), 24);
  EXPECT_EQ(checked_numel({2, -3}), std::nullopt);
  EXPECT_EQ(checked_numel({k2to32, k2to32}), std::nullopt);
  EXPECT_EQ(checked_numel({k2to32, k2to32, 0}), 0);
}

TEST(HostileSizes, TensorLargerThanMemoryIsAResourceError) {
  expect_error<ResourceError>(
      [] {
        Tensor t(Shape{int64_t{1} << 40, int64_t{1} << 20});
      },
      {"(1099511627776,1048576)", "would need 4611686018.4 GB"});
  expect_error<ResourceError>([] { Tensor t(Shape{int64_t{1} << 62}); }, {"too large"});
}

TEST(HostileSizes, ByteSizesInMessagesUseTheLargestUnitReached) {
  EXPECT_EQ(byte_size(0), "0 bytes");
  EXPECT_EQ(byte_size(999), "999 bytes");
  EXPECT_EQ(byte_size(4096), "4.1 kB");
  EXPECT_EQ(byte_size(812'500'000), "812.5 MB");
  EXPECT_EQ(byte_size(40'300'000'000), "40.3 GB");
}

TEST(HostileSizes, NegativeTensorShapeIsAShapeError) {
  expect_error<ShapeError>([] { Tensor t(Shape{2, -3}); }, {"negative"});
}

}  // namespace
}  // namespace svertka::testing
