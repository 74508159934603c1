#include <algorithm>
#include <cmath>
#include <random>

#include "gpu_check.h"
#include "svertka/kernel_registry.h"

namespace svertka::gpu_check {

namespace {

Tensor uniform(const Shape& shape, uint64_t seed, double lo, double hi) {
  Tensor t(shape);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = float(dist(rng));
  return t;
}

// Host tensors in, host tensors out: one run of the op's kernel on `device`.
struct Run {
  std::vector<Tensor> outputs, input_grads, param_grads, state;
};

std::vector<Tensor> on(Device& device, const std::vector<Tensor>& host) {
  std::vector<Tensor> out;
  for (const Tensor& h : host) {
    Tensor t(h.shape(), device.memory());
    t.copy_from(h);
    out.push_back(t);
  }
  return out;
}

std::vector<Tensor> to_host(const std::vector<Tensor>& tensors) {
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) out.push_back(t.defined() ? t.to_host() : t);
  return out;
}

Run run(const Op& op, Device& device, const std::vector<Shape>& shapes,
        const std::vector<Tensor>& host_inputs, const std::vector<Tensor>& host_params,
        const std::vector<Tensor>& host_output_grads, const CompareOptions& options) {
  auto kernel = KernelRegistry::instance().make(op, device, shapes);
  std::vector<Tensor> inputs = on(device, host_inputs), params = on(device, host_params);
  std::vector<Tensor> outputs, output_grads = on(device, host_output_grads);
  for (const Shape& s : op.output_shapes(shapes)) outputs.emplace_back(s, device.memory());
  ForwardArgs<float> fwd{.phase = options.phase, .step = options.step};
  for (auto& t : inputs) fwd.inputs.push_back(&t);
  for (size_t k = 0; k < params.size(); ++k) {
    fwd.params.push_back(&params[k]);
    if (op.param_is_state(k)) fwd.state.push_back(&params[k]);
  }
  for (auto& t : outputs) fwd.outputs.push_back(&t);
  kernel->forward(fwd);
  Run r;
  for (Tensor* t : fwd.state) r.state.push_back(t->to_host());
  r.outputs = to_host(outputs);
  if (!options.backward || !op.has_backward()) return r;
  BackwardArgs<float> back{.phase = options.phase, .step = options.step};
  for (auto& t : inputs) back.inputs.push_back(&t);
  for (auto& t : params) back.params.push_back(&t);
  for (auto& t : outputs) back.outputs.push_back(&t);
  for (auto& t : output_grads) back.output_grads.push_back(&t);
  std::vector<Tensor> input_grads, param_grads;
  for (const Tensor& t : inputs) input_grads.emplace_back(t.shape(), device.memory());
  for (const Tensor& t : params) param_grads.emplace_back(t.shape(), device.memory());
  for (size_t i = 0; i < inputs.size(); ++i)
    back.input_grads.push_back(op.input_has_grad(int(i)) ? &input_grads[i] : nullptr);
  for (size_t k = 0; k < params.size(); ++k)
    back.param_grads.push_back(op.param_is_state(k) ? nullptr : &param_grads[k]);
  kernel->backward(back);
  r.input_grads = to_host(input_grads);
  r.param_grads = to_host(param_grads);
  return r;
}

}  // namespace

std::vector<Difference> compare_with_reference(const Op& op, const std::vector<Shape>& shapes,
                                               Device& device, uint64_t seed,
                                               const CompareOptions& options) {
  std::vector<Tensor> inputs, params, output_grads;
  uint64_t stream = seed;
  for (const Shape& s : shapes) inputs.push_back(uniform(s, ++stream, -1, 1));
  for (const auto& [index, values] : options.fixed_inputs)
    for (size_t i = 0; i < values.size(); ++i) inputs.at(size_t(index))[int64_t(i)] = float(values[i]);
  const std::vector<Shape> param_shapes = op.param_shapes(shapes);
  for (size_t k = 0; k < param_shapes.size(); ++k)
    params.push_back(op.param_is_state(k) ? uniform(param_shapes[k], ++stream, 0.5, 1.5)
                                          : uniform(param_shapes[k], ++stream, -0.1, 0.1));
  for (const Shape& s : op.output_shapes(shapes)) output_grads.push_back(uniform(s, ++stream, -1, 1));

  const Run expected = run(op, host_device(), shapes, inputs, params, output_grads, options);
  const Run actual = run(op, device, shapes, inputs, params, output_grads, options);
  std::vector<Difference> diffs;
  for (size_t k = 0; k < expected.outputs.size(); ++k)
    diffs.push_back({"output " + std::to_string(k),
                     max_relative_error(actual.outputs[k], expected.outputs[k])});
  for (size_t k = 0; k < expected.input_grads.size(); ++k)
    if (op.input_has_grad(int(k)))
      diffs.push_back({"input grad " + std::to_string(k),
                       max_relative_error(actual.input_grads[k], expected.input_grads[k])});
  const auto names = op.param_names();
  for (size_t k = 0; k < expected.param_grads.size(); ++k)
    if (!op.param_is_state(k))
      diffs.push_back({"param grad " + (k < names.size() ? names[k] : std::to_string(k)),
                       max_relative_error(actual.param_grads[k], expected.param_grads[k])});
  for (size_t k = 0; k < expected.state.size(); ++k)
    diffs.push_back({"state " + std::to_string(k),
                     max_relative_error(actual.state[k], expected.state[k])});
  return diffs;
}

}  // namespace svertka::gpu_check
