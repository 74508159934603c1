#include "gradient_check.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "random_fill.h"
#include "svertka/kernel_registry.h"

namespace svertka::testing {
namespace {

struct Problem {
  std::unique_ptr<BasicKernel<double>> kernel;
  std::vector<TensorD> inputs, params, outputs, weights;  // weights: R, one per output
  std::vector<bool> state;                                // per param: Op::param_is_state
  Phase phase;

  double loss() {
    ForwardArgs<double> args;
    for (auto& t : inputs) args.inputs.push_back(&t);
    for (size_t k = 0; k < params.size(); ++k) {
      args.params.push_back(&params[k]);
      if (state[k]) args.state.push_back(&params[k]);
    }
    for (auto& t : outputs) args.outputs.push_back(&t);
    args.phase = phase;
    kernel->forward(args);
    double sum = 0;
    for (size_t k = 0; k < outputs.size(); ++k)
      for (int64_t i = 0; i < outputs[k].numel(); ++i) sum += outputs[k][i] * weights[k][i];
    return sum;
  }
};

std::vector<int64_t> points_to_check(int64_t numel, int64_t max_points) {
  std::vector<int64_t> points;
  if (max_points <= 0 || numel <= max_points) {
    for (int64_t i = 0; i < numel; ++i) points.push_back(i);
  } else {
    for (int64_t k = 0; k < max_points; ++k) points.push_back(k * numel / max_points);
  }
  return points;
}

}  // namespace

GradientCheckReport check_gradients(const Op& op, const std::vector<TensorD>& inputs, uint64_t seed,
                                    const GradientCheckOptions& options) {
  std::vector<Shape> input_shapes;
  for (const auto& t : inputs) input_shapes.push_back(t.shape());
  Problem p;
  p.phase = options.phase;
  p.kernel = KernelRegistry::instance().make_reference_double(op, input_shapes);
  for (const auto& t : inputs) p.inputs.push_back(t.clone());
  uint64_t stream = seed;
  const std::vector<Shape> param_shapes = op.param_shapes(input_shapes);
  for (size_t k = 0; k < param_shapes.size(); ++k) {
    // State (running statistics) is positive, as a variance must be; it is not checked.
    p.state.push_back(op.param_is_state(k));
    p.params.push_back(p.state[k] ? random_tensor<double>(param_shapes[k], ++stream, 0.5, 1.5)
                                  : random_tensor<double>(param_shapes[k], ++stream));
  }
  for (const Shape& s : op.output_shapes(input_shapes)) {
    p.outputs.emplace_back(s);
    p.weights.push_back(random_tensor<double>(s, ++stream));
  }

  // Analytic gradients.
  p.loss();
  std::vector<TensorD> input_grads, param_grads;
  for (const auto& t : p.inputs) input_grads.emplace_back(t.shape());
  for (const auto& t : p.params) param_grads.emplace_back(t.shape());
  BackwardArgs<double> back;
  for (auto& t : p.inputs) back.inputs.push_back(&t);
  for (auto& t : p.params) back.params.push_back(&t);
  for (auto& t : p.outputs) back.outputs.push_back(&t);
  for (auto& t : p.weights) back.output_grads.push_back(&t);
  for (size_t i = 0; i < input_grads.size(); ++i)
    back.input_grads.push_back(op.input_has_grad(static_cast<int>(i)) ? &input_grads[i] : nullptr);
  for (size_t k = 0; k < param_grads.size(); ++k)
    back.param_grads.push_back(p.state[k] ? nullptr : &param_grads[k]);
  back.phase = options.phase;
  p.kernel->backward(back);

  GradientCheckReport report;
  auto check_tensor = [&](TensorD& values, const TensorD& analytic, const std::string& what,
                          int input_index) {
    for (int64_t i : points_to_check(values.numel(), options.max_points_per_tensor)) {
      if (input_index >= 0 && options.near_kink && options.near_kink(input_index, i, p.inputs)) {
        ++report.skipped;
        continue;
      }
      const double saved = values[i];
      values[i] = saved + options.step;
      const double plus = p.loss();
      values[i] = saved - options.step;
      const double minus = p.loss();
      values[i] = saved;
      const double numeric = (plus - minus) / (2 * options.step);
      const double a = analytic[i];
      const double error = std::abs(a - numeric) / std::max({std::abs(a), std::abs(numeric), 1.0});
      report.worst_error = std::max(report.worst_error, error);
      ++report.checked;
      if (error > options.tolerance && report.failures.size() < 5)
        report.failures.push_back(what + "[" + std::to_string(i) + "]: analytic " +
                                  std::to_string(a) + " vs numeric " + std::to_string(numeric));
    }
  };
  for (size_t k = 0; k < p.inputs.size(); ++k)
    if (op.input_has_grad(static_cast<int>(k)))
      check_tensor(p.inputs[k], input_grads[k], "input " + std::to_string(k), static_cast<int>(k));
  const auto names = op.param_names();
  for (size_t k = 0; k < p.params.size(); ++k)
    if (!p.state[k])
      check_tensor(p.params[k], param_grads[k], k < names.size() ? names[k] : "param", -1);
  return report;
}

}  // namespace svertka::testing
