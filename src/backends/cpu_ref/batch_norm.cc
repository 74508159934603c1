// Reference batch normalisation in plain loops, per channel, the sums accumulated in double.
#include "svertka/ops/batch_norm.h"

#include <cmath>

#include "svertka/error.h"
#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {
namespace {

template <class T>
class BatchNorm final : public BasicKernel<T> {
 public:
  BatchNorm(const BatchNormOp& op, const std::vector<Shape>& inputs)
      : op_(op), g_(op.geometry(inputs.at(0))) {}

  // inputs {x}, params {weight?, bias?, running_mean, running_var}, outputs {y}; with batch
  // statistics state {running_mean, running_var} is updated.
  void forward(const ForwardArgs<T>& args) override;
  // output_grads {dy} -> input_grads {dx?}, param_grads {dweight?, dbias?} (the statistics get
  // none); batch statistics are recomputed from x.
  void backward(const BackwardArgs<T>& args) override;

 private:
  // Per channel: the mean and the variance (divided by M) the pass normalises with.
  struct Statistics {
    std::vector<double> mean, var;
  };
  Statistics statistics(const T* x, const std::vector<const BasicTensor<T>*>& params,
                        bool global) const;
  void update_running(const Statistics& batch, const std::vector<BasicTensor<T>*>& state) const;
  // Element (i, c, j) of an (n, channels, inner) tensor.
  int64_t at(int64_t i, int64_t c, int64_t j) const { return (i * g_.channels + c) * g_.inner + j; }

  BatchNormOp op_;
  BatchNormGeometry g_;
};

template <class T>
typename BatchNorm<T>::Statistics BatchNorm<T>::statistics(
    const T* x, const std::vector<const BasicTensor<T>*>& params, bool global) const {
  Statistics s{std::vector<double>(size_t(g_.channels)), std::vector<double>(size_t(g_.channels))};
  const size_t running = op_.running_mean_index();
  const double m = double(g_.values_per_channel());
  for (int64_t c = 0; c < g_.channels; ++c) {
    if (global) {
      s.mean[size_t(c)] = (*params[running])[c];
      s.var[size_t(c)] = (*params[running + 1])[c];
      continue;
    }
    double sum = 0, squares = 0;
    for (int64_t i = 0; i < g_.n; ++i)
      for (int64_t j = 0; j < g_.inner; ++j) sum += x[at(i, c, j)];
    const double mean = sum / m;
    for (int64_t i = 0; i < g_.n; ++i)
      for (int64_t j = 0; j < g_.inner; ++j)
        squares += (x[at(i, c, j)] - mean) * (x[at(i, c, j)] - mean);
    s.mean[size_t(c)] = mean;
    s.var[size_t(c)] = squares / m;
  }
  return s;
}

template <class T>
void BatchNorm<T>::update_running(const Statistics& batch,
                                  const std::vector<BasicTensor<T>*>& state) const {
  if (state.size() != 2)
    throw Error(op_.label() + ": a TRAIN forward with batch statistics needs ForwardArgs::state " +
                "(running_mean, running_var) to update");
  const double momentum = op_.params().momentum, m = double(g_.values_per_channel());
  const double unbiased = m > 1 ? m / (m - 1) : 1;  // Caffe's rule for a single value
  for (int64_t c = 0; c < g_.channels; ++c) {
    T& mean = (*state[0])[c];
    T& var = (*state[1])[c];
    mean = static_cast<T>((1 - momentum) * mean + momentum * batch.mean[size_t(c)]);
    var = static_cast<T>((1 - momentum) * var + momentum * batch.var[size_t(c)] * unbiased);
  }
}

template <class T>
void BatchNorm<T>::forward(const ForwardArgs<T>& args) {
  const bool global = op_.uses_global_stats(args.phase);
  const T* x = args.inputs[0]->data();
  T* y = args.outputs[0]->data();
  const bool affine = op_.params().affine;
  const Statistics s = statistics(x, args.params, global);
  if (!global) update_running(s, args.state);
  for (int64_t c = 0; c < g_.channels; ++c) {
    const double mean = s.mean[size_t(c)];
    const double inv_std = 1 / std::sqrt(s.var[size_t(c)] + op_.params().eps);
    for (int64_t i = 0; i < g_.n; ++i)
      for (int64_t j = 0; j < g_.inner; ++j) {
        const T normalised = static_cast<T>((x[at(i, c, j)] - mean) * inv_std);
        y[at(i, c, j)] =
            affine ? normalised * (*args.params[0])[c] + (*args.params[1])[c] : normalised;
      }
  }
}

template <class T>
void BatchNorm<T>::backward(const BackwardArgs<T>& args) {
  const bool global = op_.uses_global_stats(args.phase), affine = op_.params().affine;
  const T* x = args.inputs[0]->data();
  const T* dy = args.output_grads[0]->data();
  T* dx = args.input_grads[0] ? args.input_grads[0]->data() : nullptr;
  BasicTensor<T>* dweight = affine ? args.param_grads[0] : nullptr;
  BasicTensor<T>* dbias = affine ? args.param_grads[1] : nullptr;
  for (size_t k = op_.running_mean_index(); k < args.param_grads.size(); ++k)
    if (args.param_grads[k]) args.param_grads[k]->zero();  // statistics are not learned
  const Statistics s = statistics(x, args.params, global);
  const double m = double(g_.values_per_channel());
  for (int64_t c = 0; c < g_.channels; ++c) {
    const double mean = s.mean[size_t(c)];
    const double inv_std = 1 / std::sqrt(s.var[size_t(c)] + op_.params().eps);
    const double weight = affine ? double((*args.params[0])[c]) : 1.0;
    double sum_dy = 0, sum_dy_normalised = 0;
    for (int64_t i = 0; i < g_.n; ++i)
      for (int64_t j = 0; j < g_.inner; ++j) {
        sum_dy += dy[at(i, c, j)];
        sum_dy_normalised += dy[at(i, c, j)] * (x[at(i, c, j)] - mean) * inv_std;
      }
    if (dweight) (*dweight)[c] = static_cast<T>(sum_dy_normalised);
    if (dbias) (*dbias)[c] = static_cast<T>(sum_dy);
    if (!dx) continue;
    // Batch statistics depend on x too: dx = w/sigma * (dy - mean(dy) - xhat * mean(dy * xhat)).
    for (int64_t i = 0; i < g_.n; ++i)
      for (int64_t j = 0; j < g_.inner; ++j) {
        const int64_t k = at(i, c, j);
        const double normalised = (x[k] - mean) * inv_std;
        const double through_stats = global ? 0 : (sum_dy + normalised * sum_dy_normalised) / m;
        dx[k] = static_cast<T>(weight * inv_std * (dy[k] - through_stats));
      }
  }
}

}  // namespace
}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_batch_norm(KernelRegistry& registry) {
  registry.add_reference<BatchNormOp, cpu_ref::BatchNorm>();
}

}  // namespace svertka
