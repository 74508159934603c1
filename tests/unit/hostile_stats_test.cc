// A crafted image statistics file: an IoError naming the file, not an uncaught
// std::invalid_argument.
#include <gtest/gtest.h>

#include "hostile_input.h"
#include "svertka/data/image_stats.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka::testing {
namespace {

TEST(HostileImageStats, NonNumericImageCountIsAnError) {
  HostileDir dir;
  const std::string path = dir.file("stats.safetensors");
  save_safetensors(path,
                   {{"mean_image", Tensor(Shape{3, 2, 2})},
                    {"channel_mean", Tensor(Shape{3})},
                    {"rgb_covariance", Tensor(Shape{3, 3})},
                    {"rgb_eigenvalues", Tensor(Shape{3})},
                    {"rgb_eigenvectors", Tensor(Shape{3, 3})}},
                   {{"format", "svertka-image-stats"}, {"version", "1"}, {"images", "many"}});
  expect_error<IoError>([&] { load_image_stats(path); }, {path, "images", "many"});
}

}  // namespace
}  // namespace svertka::testing
