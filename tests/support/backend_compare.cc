#include "backend_compare.h"

#include <algorithm>
#include <cmath>

#include "random_fill.h"
#include "svertka/kernel_registry.h"

namespace svertka::testing {
namespace {

struct Run {
  std::vector<Tensor> outputs, input_grads, param_grads;
  std::vector<Tensor> state;  // the state parameters after forward, in order
};

Run run(const Op& op, Backend backend, const std::vector<Tensor>& inputs,
        const std::vector<Tensor>& params, const std::vector<Tensor>& output_grads,
        const std::vector<Shape>& input_shapes, const BackendCompareOptions& options) {
  auto kernel = KernelRegistry::instance().make(op, backend, input_shapes);
  Run r;
  for (const Shape& s : op.output_shapes(input_shapes)) r.outputs.emplace_back(s);
  std::vector<Tensor> used_params;  // state is updated in place: each run gets its own copy
  for (size_t k = 0; k < params.size(); ++k)
    used_params.push_back(op.param_is_state(k) ? params[k].clone() : params[k]);
  ForwardArgs<float> fwd;
  for (auto& t : inputs) fwd.inputs.push_back(&t);
  for (size_t k = 0; k < used_params.size(); ++k) {
    fwd.params.push_back(&used_params[k]);
    if (op.param_is_state(k)) fwd.state.push_back(&used_params[k]);
  }
  for (auto& t : r.outputs) fwd.outputs.push_back(&t);
  fwd.phase = options.phase;
  kernel->forward(fwd);
  for (Tensor* t : fwd.state) r.state.push_back(t->clone());
  if (!options.backward || !op.has_backward()) return r;

  BackwardArgs<float> back;
  for (auto& t : inputs) back.inputs.push_back(&t);
  for (auto& t : used_params) back.params.push_back(&t);
  for (auto& t : r.outputs) back.outputs.push_back(&t);
  for (auto& t : output_grads) back.output_grads.push_back(&t);
  for (size_t i = 0; i < inputs.size(); ++i) r.input_grads.emplace_back(inputs[i].shape());
  for (size_t i = 0; i < params.size(); ++i) r.param_grads.emplace_back(params[i].shape());
  for (size_t i = 0; i < inputs.size(); ++i)
    back.input_grads.push_back(op.input_has_grad(static_cast<int>(i)) ? &r.input_grads[i]
                                                                      : nullptr);
  for (size_t k = 0; k < r.param_grads.size(); ++k)
    back.param_grads.push_back(op.param_is_state(k) ? nullptr : &r.param_grads[k]);
  back.phase = options.phase;
  kernel->backward(back);
  return r;
}

}  // namespace

std::vector<Difference> compare_backends(const Op& op, const std::vector<Shape>& input_shapes,
                                         uint64_t seed, const BackendCompareOptions& options) {
  std::vector<Tensor> inputs, params, output_grads;
  uint64_t stream = seed;
  for (const Shape& s : input_shapes) inputs.push_back(random_tensor<float>(s, ++stream));
  for (const auto& [index, values] : options.fixed_inputs) inputs.at(index) = values.clone();
  const std::vector<Shape> param_shapes = op.param_shapes(input_shapes);
  for (size_t k = 0; k < param_shapes.size(); ++k)  // state (a running variance) is positive
    params.push_back(op.param_is_state(k)
                         ? random_tensor<float>(param_shapes[k], ++stream, 0.5, 1.5)
                         : random_tensor<float>(param_shapes[k], ++stream, -0.1, 0.1));
  for (const Shape& s : op.output_shapes(input_shapes))
    output_grads.push_back(random_tensor<float>(s, ++stream));

  const Run expected =
      run(op, options.expected, inputs, params, output_grads, input_shapes, options);
  const Run actual = run(op, options.actual, inputs, params, output_grads, input_shapes, options);

  std::vector<Difference> diffs;
  for (size_t k = 0; k < expected.outputs.size(); ++k)
    diffs.push_back({"output " + std::to_string(k),
                     max_relative_error(actual.outputs[k], expected.outputs[k])});
  for (size_t k = 0; k < expected.input_grads.size(); ++k)
    if (op.input_has_grad(static_cast<int>(k)))
      diffs.push_back({"input grad " + std::to_string(k),
                       max_relative_error(actual.input_grads[k], expected.input_grads[k])});
  const auto names = op.param_names();
  for (size_t k = 0; k < expected.param_grads.size(); ++k)
    if (!op.param_is_state(k))
      diffs.push_back({"param grad " + (k < names.size() ? names[k] : std::to_string(k)),
                       max_relative_error(actual.param_grads[k], expected.param_grads[k])});
  for (size_t k = 0; k < expected.state.size(); ++k)
    diffs.push_back({"state " + std::to_string(k) + " after forward",
                     max_relative_error(actual.state[k], expected.state[k])});
  return diffs;
}

}  // namespace svertka::testing
