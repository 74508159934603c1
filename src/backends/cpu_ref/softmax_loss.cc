#include "backends/cpu_ref/softmax_loss.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/cpu_ref/softmax.h"
#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {

template <class T>
SoftmaxLoss<T>::SoftmaxLoss(const SoftmaxLossOp& op, const std::vector<Shape>& inputs)
    : op_label_(op.label()),
      g_(op.geometry(inputs)),
      ignore_label_(op.params().ignore_label),
      prob_(inputs.at(0)),
      target_(static_cast<size_t>(g_.n * g_.inner)) {}

template <class T>
void SoftmaxLoss<T>::forward(const ForwardArgs<T>& args) {
  // Labels are checked serially first: an exception must not leave an OpenMP region.
  const T* labels = args.inputs[1]->data();
  valid_ = 0;
  for (int64_t i = 0; i < g_.n * g_.inner; ++i) {
    const double value = labels[i];
    if (ignore_label_ && value == double(*ignore_label_)) {
      target_[i] = -1;
      continue;
    }
    if (!(value >= 0 && value < double(g_.classes)) || value != std::floor(value))
      throw DataError(fmt::format("{}: label {} at position {} is not a class index in [0, {})",
                                  op_label_, value, i, g_.classes));
    target_[i] = static_cast<int64_t>(value);
    ++valid_;
  }

  softmax_forward(args.inputs[0]->data(), prob_.data(), g_.n, g_.classes, g_.inner);
  const T* p = prob_.data();
  double loss = 0;
  for (int64_t n = 0; n < g_.n; ++n) {
    for (int64_t s = 0; s < g_.inner; ++s) {
      const int64_t label = target_[n * g_.inner + s];
      if (label < 0) continue;
      const double p_label = p[(n * g_.classes + label) * g_.inner + s];
      loss -= std::log(std::max(p_label, double(std::numeric_limits<float>::min())));
    }
  }
  (*args.outputs[0])[0] = static_cast<T>(valid_ > 0 ? loss / double(valid_) : 0.0);
}

template <class T>
void SoftmaxLoss<T>::backward(const BackwardArgs<T>& args) {
  BasicTensor<T>* dscores = args.input_grads[0];
  if (!dscores) return;
  const T loss_weight = (*args.output_grads[0])[0];
  const T scale = valid_ > 0 ? loss_weight / static_cast<T>(valid_) : T(0);
  const T* p = prob_.data();
  T* dx = dscores->data();
  const int64_t classes = g_.classes, inner = g_.inner;
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g_.n; ++n) {
    for (int64_t s = 0; s < inner; ++s) {
      const int64_t label = target_[n * inner + s];
      const int64_t base = n * classes * inner + s;  // class c is at base + c * inner
      for (int64_t c = 0; c < classes; ++c) {
        const int64_t i = base + c * inner;
        dx[i] = label < 0 ? T(0) : scale * (p[i] - (c == label ? T(1) : T(0)));
      }
    }
  }
}

template class SoftmaxLoss<float>;
template class SoftmaxLoss<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_softmax_loss(KernelRegistry& registry) {
  registry.add_reference<SoftmaxLossOp, cpu_ref::SoftmaxLoss>();
}

}  // namespace svertka
