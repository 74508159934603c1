// JPEG and PNG decoding, in memory: the header peek, and decoding to BGR, to grey and reduced.
#include <vector>

#include "fuzz_support.h"
#include "svertka/data/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::vector<uint8_t> bytes(data, data + size);
  peek_image_size(bytes);
  fuzz::expect_only_errors([&] { decode_image(bytes, "input.jpg"); });
  fuzz::expect_only_errors([&] { decode_image(bytes, "input.jpg", 0, 0, 1); });
  fuzz::expect_only_errors([&] { decode_image(bytes, "input.jpg", 2, 2, 3); });
  return 0;
}
