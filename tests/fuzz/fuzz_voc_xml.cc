// PASCAL VOC / ImageNet XML box annotations.
#include "fuzz_support.h"
#include "svertka/data/box_annotation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "annotation.xml");
  fuzz::expect_only_errors([&] { read_voc_annotation(path); });
  return 0;
}
