// Caffe text formats: a net prototxt (in each phase) and a solver prototxt.
#include "fuzz_support.h"
#include "svertka/io/caffe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "net.prototxt");
  fuzz::expect_only_errors([&] { load_caffe_net(path); });
  fuzz::expect_only_errors([&] { load_caffe_net(path, {.phase = Phase::kTrain}); });
  fuzz::expect_only_errors([&] { load_caffe_solver(path); });
  return 0;
}
