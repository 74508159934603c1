// Per-op forward and backward time on every shape of the catalog, reference vs oneDNN.
// Run: make bench   (or build/bench/svertka_op_bench --benchmark_filter=conv)
#include <benchmark/benchmark.h>

#include "random_fill.h"
#include "shape_catalog.h"
#include "svertka/kernel_registry.h"

namespace svertka::testing {
namespace {

struct Workload {
  std::shared_ptr<Op> op;
  std::unique_ptr<Kernel> kernel;
  std::vector<Tensor> inputs, params, outputs, output_grads, input_grads, param_grads;
  ForwardArgs<float> forward;
  BackwardArgs<float> backward;

  Workload(const CatalogEntry& entry, Backend backend) : op(entry.make_op()) {
    const std::vector<Shape> shapes{entry.input};
    kernel = KernelRegistry::instance().make(*op, backend, shapes);
    inputs.push_back(random_tensor<float>(entry.input, 1));
    for (const Shape& s : op->param_shapes(shapes))
      params.push_back(random_tensor<float>(s, 2, -0.1, 0.1));
    for (const Shape& s : op->output_shapes(shapes)) {
      outputs.emplace_back(s);
      output_grads.push_back(random_tensor<float>(s, 3));
    }
    for (auto& t : inputs) input_grads.emplace_back(t.shape());
    for (auto& t : params) param_grads.emplace_back(t.shape());
    for (auto& t : inputs) forward.inputs.push_back(&t), backward.inputs.push_back(&t);
    for (auto& t : params) forward.params.push_back(&t), backward.params.push_back(&t);
    for (auto& t : outputs) forward.outputs.push_back(&t), backward.outputs.push_back(&t);
    for (auto& t : output_grads) backward.output_grads.push_back(&t);
    for (auto& t : input_grads) backward.input_grads.push_back(&t);
    for (auto& t : param_grads) backward.param_grads.push_back(&t);
    forward.phase = backward.phase = Phase::kTrain;
  }
};

void run_forward(benchmark::State& state, const CatalogEntry& entry, Backend backend) {
  Workload w(entry, backend);
  for (auto _ : state) w.kernel->forward(w.forward);
  const int64_t macs = w.op->forward_macs({entry.input});
  if (macs > 0)
    state.counters["GFLOP/s"] = benchmark::Counter(
        2.0 * double(macs) * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void run_backward(benchmark::State& state, const CatalogEntry& entry, Backend backend) {
  Workload w(entry, backend);
  w.kernel->forward(w.forward);
  for (auto _ : state) w.kernel->backward(w.backward);
  const int64_t macs = w.op->forward_macs({entry.input});
  if (macs > 0)  // backward data + backward weights: twice the forward work
    state.counters["GFLOP/s"] = benchmark::Counter(
        4.0 * double(macs) * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void register_catalog() {
  for (const CatalogEntry& entry : shape_catalog()) {
    for (Backend backend : {Backend::kCpuRef, Backend::kCpuDnnl}) {
      const std::string suffix = entry.kind + "/" + entry.net + "/" + entry.layer + "/" +
                                 entry.input.str() + "/" + std::string(backend_name(backend));
      benchmark::RegisterBenchmark(("fwd/" + suffix).c_str(), run_forward, entry, backend)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark(("bwd/" + suffix).c_str(), run_backward, entry, backend)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace svertka::testing

int main(int argc, char** argv) {
  svertka::testing::register_catalog();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
