// Caffe .solverstate files (a solver's snapshot), resumed into the tiny net and an SGD solver with
// momentum under a multistep schedule; the learned_net they name is found beside them, where the
// harness writes the tiny net's weights as tiny_iter_1.caffemodel and tiny_iter_3.caffemodel.
#include <filesystem>

#include "fuzz_support.h"
#include "svertka/io/caffe.h"
#include "svertka/io/caffe_snapshot.h"
#include "svertka/solver/sgd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  static const NetSpec spec = fuzz::tiny_spec();
  static Net net(spec, fuzz::kNetOptions);
  static SgdSolver solver(net.params(), {.momentum = 0.9});
  static const LrScheduleOptions schedule{.kind = LrScheduleOptions::Kind::kMultiStep,
                                          .milestones = {2}};
  const std::string path = fuzz::write_input(data, size, "tiny.solverstate");
  static const bool weights_written = [&] {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    std::vector<NamedTensor> weights;
    for (const Parameter& p : net.params()) weights.push_back({p.name, p.value});
    for (const char* name : {"/tiny_iter_1.caffemodel", "/tiny_iter_3.caffemodel"})
      save_caffemodel(spec, weights, dir + name);
    return true;
  }();
  (void)weights_written;
  fuzz::expect_only_errors([&] { restore_caffe_solverstate(path, spec, net, solver, schedule); });
  return 0;
}
