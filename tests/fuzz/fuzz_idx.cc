// IDX image and label files (MNIST), raw or gzip-compressed.
#include "fuzz_support.h"
#include "svertka/data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "input-idx3-ubyte");
  fuzz::expect_only_errors([&] { read_idx_images(path); });
  fuzz::expect_only_errors([&] { read_idx_labels(path); });
  return 0;
}
