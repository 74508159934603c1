// Sections 1 and 2: every CUDA kernel against cpu_ref, forward and backward, on the shape catalog
// (the layers of AlexNet, VGG-16 and GoogLeNet) and on every op's registry samples (the ops the
// catalog has no rows for: softmax, the losses, BatchNorm, dropout, concat, ReLU, accuracy); and
// the solver's step of every rule, which must equal the host's bitwise. The convolutions of 3
// channels are checked a second time with their channels padded to 4 (CudaDeviceOptions).
#include <fmt/format.h>

#include "core/op_registry.h"
#include "gpu_check.h"
#include "shape_catalog.h"
#include "svertka/backends/cuda.h"
#include "svertka/solver/sgd.h"

namespace svertka::gpu_check {

namespace {

// fp32 against a reference that sums in double: forward outputs within 1e-4, gradients (longer
// sums, e.g. a filter gradient over a whole batch) within 1e-3. TF32 is off on this device.
double tolerance(const std::string& what) {
  return what.rfind("output", 0) == 0 || what.rfind("state", 0) == 0 ? 1e-4 : 1e-3;
}

int compare_row(Table& table, const std::string& name, const Op& op,
                const std::vector<Shape>& inputs, Device& device, const CompareOptions& options) {
  int failures = 0;
  try {
    for (const Difference& d : compare_with_reference(op, inputs, device, 17, options)) {
      const bool ok = d.max_relative_error <= tolerance(d.what);
      failures += ok ? 0 : 1;
      table.row(fmt::format("{}\t{}\t{:.3e}\t{:.0e}\t{}", name, d.what, d.max_relative_error,
                            tolerance(d.what), ok ? "ok" : "FAIL"));
    }
  } catch (const std::exception& e) {
    // A shape the backend refuses by design (ONNX's asymmetric padding) is listed, not failed.
    const bool refused = std::string(e.what()).find("pads both ends alike") != std::string::npos;
    failures += refused ? 0 : 1;
    table.row(
        fmt::format("{}\terror\t-\t-\t{}: {}", name, refused ? "unsupported" : "FAIL", e.what()));
  }
  for (int i = 0; i < failures; ++i) table.fail();
  return failures;
}

}  // namespace

int check_kernels(const CheckOptions& options, Device& device) {
  Table table(options, "kernels.tsv", "case\tcompared\tmax_rel_error\ttolerance\tresult");
  for (const testing::CatalogEntry& row : testing::load_catalog(options.catalog)) {
    const std::shared_ptr<Op> op = row.make_op();
    compare_row(table, row.net + "/" + row.layer + " " + row.input.str(), *op, {row.input}, device,
                {});
  }
  for (const OpEntry* entry : op_entries()) {
    int index = 0;
    for (const OpSample& sample : entry->samples()) {
      for (Phase phase : {Phase::kTrain, Phase::kTest}) {
        CompareOptions compare{.phase = phase, .backward = phase == Phase::kTrain};
        compare.fixed_inputs = sample.fixed_inputs;
        compare_row(table,
                    fmt::format("sample {} #{} {}", entry->type, index,
                                phase == Phase::kTrain ? "TRAIN" : "TEST"),
                    *sample.op, sample.inputs, device, compare);
      }
      ++index;
    }
  }
  return table.failures();
}

int check_padded_convolutions(const CheckOptions& options) {
  Table table(options, "kernels_padded.tsv", "case\tcompared\tmax_rel_error\ttolerance\tresult");
  const std::shared_ptr<Device> device =
      open_cuda_device(0, {.channel_padding = CudaDeviceOptions::ChannelPadding::kAlways});
  for (const testing::CatalogEntry& row : testing::load_catalog(options.catalog)) {
    const std::shared_ptr<Op> op = row.make_op();
    if (op->type() != "Convolution" || row.input[1] % 4 == 0) continue;
    compare_row(table, row.net + "/" + row.layer + " " + row.input.str() + " padded", *op,
                {row.input}, *device, {});
  }
  for (const OpEntry* entry : op_entries()) {
    if (entry->type != "Convolution") continue;
    int index = 0;
    for (const OpSample& sample : entry->samples())
      compare_row(table, fmt::format("sample Convolution #{} padded", index++), *sample.op,
                  sample.inputs, *device, {});
  }
  return table.failures();
}

int check_solver_steps(const CheckOptions& options, Device& device) {
  Table table(options, "solver.tsv", "rule\tregularisation\tbitwise_equal_to_host\tresult");
  for (SolverType type : {SolverType::kSgd, SolverType::kNesterov, SolverType::kAdaGrad,
                          SolverType::kRmsProp, SolverType::kAdaDelta, SolverType::kAdam}) {
    for (bool l1 : {false, true}) {
      const Shape shape{1000, 37};
      SgdUpdate u{.type = type,
                  .rate = 0.01f,
                  .decay = 5e-4f,
                  .l1 = l1,
                  .momentum = 0.9f,
                  .delta = 1e-8f,
                  .momentum2 = 0.999f,
                  .rms_decay = 0.99f,
                  .t = 3};
      if (type == SolverType::kAdaGrad || type == SolverType::kRmsProp) u.momentum = 0;
      Tensor w(shape), g(shape), h(shape), h2(shape);
      for (int64_t i = 0; i < w.numel(); ++i) {
        w[i] = float(std::sin(double(i))) * 0.1f;
        g[i] = float(std::cos(double(i) * 0.7)) * 0.01f;
        h[i] = float(i % 7) * 1e-3f;
        h2[i] = float(i % 5) * 1e-3f;
      }
      std::vector<Tensor> device_tensors;
      for (const Tensor& t : {w, g, h, h2}) {
        Tensor d(shape, device.memory());
        d.copy_from(t);
        device_tensors.push_back(d);
      }
      Tensor hw = w.clone(), hh = h.clone(), hh2 = h2.clone();
      for (int step = 0; step < 3; ++step) {
        sgd_update_on_host(u, hw, g, hh, hh2);
        device.sgd_update(u, device_tensors[0], device_tensors[1], device_tensors[2],
                          device_tensors[3]);
      }
      const bool equal = max_relative_error(device_tensors[0].to_host(), hw) == 0 &&
                         max_relative_error(device_tensors[2].to_host(), hh) == 0;
      if (!equal) table.fail();
      table.row(fmt::format("{}\t{}\t{}\t{}", solver_type_name(type), l1 ? "L1" : "L2",
                            equal ? "yes" : "no", equal ? "ok" : "FAIL"));
    }
  }
  return table.failures();
}

}  // namespace svertka::gpu_check
