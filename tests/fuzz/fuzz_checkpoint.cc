// Training checkpoints (safetensors with the training state as metadata), and weights-only files,
// loaded into the tiny net.
#include "fuzz_support.h"
#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  static const NetSpec spec = fuzz::tiny_spec();
  const std::string path = fuzz::write_input(data, size, "checkpoint.safetensors");
  fuzz::expect_only_errors([&] {
    Net net(spec, fuzz::kNetOptions);
    SgdSolver solver(net.params(), {.momentum = 0.9});
    load_checkpoint(path, net, solver);
  });
  fuzz::expect_only_errors([&] {
    Net net(spec, fuzz::kNetOptions);
    load_weights(path, net);
  });
  return 0;
}
