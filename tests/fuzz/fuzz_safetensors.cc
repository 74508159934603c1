// safetensors files: the whole file and the header-only shape reader.
#include "fuzz_support.h"
#include "svertka/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "input.safetensors");
  fuzz::expect_only_errors([&] { load_safetensors(path); });
  fuzz::expect_only_errors([&] { read_safetensors_shapes(path); });
  return 0;
}
