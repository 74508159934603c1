// ONNX models: the graph, its initialisers and the net built from them.
#include "fuzz_support.h"
#include "svertka/io/onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "model.onnx");
  // A lower memory limit than the default keeps each input fast: the limit is what is tested
  // (HostileOnnx), not how quickly a real model's gigabyte is filled.
  OnnxImportOptions options;
  options.max_bytes = 64 << 20;
  fuzz::expect_only_errors([&] { load_onnx(path, options); });
  return 0;
}
