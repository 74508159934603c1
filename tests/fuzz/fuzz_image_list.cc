// Caffe-style image list files ("path label" per line) and class lists (synset_words.txt).
#include "fuzz_support.h"
#include "svertka/data/image_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "list.txt");
  fuzz::expect_only_errors([&] { read_image_list(path); });
  fuzz::expect_only_errors([&] { read_image_list(path, "/nonexistent-root", 1000); });
  fuzz::expect_only_errors([&] { read_class_list(path); });
  return 0;
}
