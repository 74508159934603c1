// Crafted .npy feature files: each is an IoError naming the file, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "hostile_input.h"
#include "svertka/error.h"
#include "svertka/transfer/features.h"

namespace svertka::testing {
namespace {

// A NumPy 1.0 file with header dict `dict` and `data` after it.
std::string npy(const std::string& dict, const std::string& data = "") {
  std::string h("\x93NUMPY\x01\x00", 8);
  h += char(dict.size() & 0xff);
  h += char(dict.size() >> 8);
  return h + dict + data;
}

// Features `dict` beside valid labels for two rows.
std::string write_pair(const HostileDir& dir, const std::string& dict, const std::string& data) {
  const std::string path = dir.write("f.npy", npy(dict, data));
  dir.write("f.labels.npy",
            npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", std::string(16, 0)));
  return path;
}

TEST(HostileNpy, HugeDescrIsAnErrorNotARegexStackOverflow) {
  HostileDir dir;
  const std::string dict =
      "{'descr': '" + std::string(60000, 'f') + "', 'fortran_order': False, 'shape': (2, 1), }\n";
  const std::string path = write_pair(dir, dict, std::string(8, 0));
  const std::string message =
      expect_error<IoError>([&] { load_features(path); }, {path, "is not <f4 or <i8"});
  EXPECT_LT(message.size(), 1000u);
}

TEST(HostileNpy, ShapeWhoseElementCountOverflowsIsAnError) {
  HostileDir dir;
  const std::string path = write_pair(
      dir, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", "");
  expect_error<IoError>([&] { load_features(path); }, {path, "too many"});
}

TEST(HostileNpy, NonNumericShapeIsAnError) {
  HostileDir dir;
  const std::string path =
      write_pair(dir, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }\n", "");
  expect_error<IoError>([&] { load_features(path); }, {path, "shape"});
}

TEST(HostileNpy, ADirectoryIsAnError) {
  HostileDir dir;
  std::filesystem::create_directories(dir.file("d.npy"));
  expect_error<IoError>([&] { load_features(dir.file("d.npy")); }, {dir.file("d.npy")});
}

}  // namespace
}  // namespace svertka::testing
