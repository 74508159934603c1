// ONNX models: the graph, its initialisers and the net built from them.
#include "fuzz_support.h"
#include "svertka/io/onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "model.onnx");
  fuzz::expect_only_errors([&] { load_onnx(path); });
  return 0;
}
