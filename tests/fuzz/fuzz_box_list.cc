// Box list files ("path label x1 y1 x2 y2 [...]" per line).
#include "fuzz_support.h"
#include "svertka/data/box_annotation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "boxes.txt");
  fuzz::expect_only_errors([&] { read_box_list(path); });
  fuzz::expect_only_errors([&] { read_box_list(path, "/nonexistent-root", 1000); });
  return 0;
}
