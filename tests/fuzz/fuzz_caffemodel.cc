// Binary .caffemodel weights, read for the tiny net's layers.
#include "fuzz_support.h"
#include "svertka/io/caffe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  static const NetSpec spec = fuzz::tiny_spec();
  const std::string path = fuzz::write_input(data, size, "weights.caffemodel");
  fuzz::expect_only_errors([&] { load_caffemodel(path, spec); });
  return 0;
}
