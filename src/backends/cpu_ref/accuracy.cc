#include "backends/cpu_ref/accuracy.h"

#include <fmt/format.h>

#include <cmath>

#include "svertka/kernel_registry.h"

namespace svertka::cpu_ref {

template <class T>
void Accuracy<T>::forward(const ForwardArgs<T>& args) {
  const T* scores = args.inputs[0]->data();  // (n, classes)
  const T* labels = args.inputs[1]->data();  // (n)
  int64_t counted = 0, correct = 0;
  for (int64_t n = 0; n < n_; ++n) {
    const double value = labels[n];
    if (ignore_label_ && value == double(*ignore_label_)) continue;
    if (!(value >= 0 && value < double(classes_)) || value != std::floor(value))
      throw DataError(fmt::format("{}: label {} of sample {} is not a class index in [0, {})",
                                  op_label_, value, n, classes_));
    const T* s = scores + n * classes_;
    const T label_score = s[static_cast<int64_t>(value)];
    int64_t higher = 0;
    for (int64_t c = 0; c < classes_; ++c) {
      // NaN compares false with everything: counted, it would make the sample correct.
      if (!std::isfinite(s[c])) throw_scores_not_finite(op_label_, n, c, double(s[c]));
      higher += s[c] > label_score ? 1 : 0;
    }
    ++counted;
    if (higher < top_k_) ++correct;
  }
  (*args.outputs[0])[0] = counted > 0 ? static_cast<T>(double(correct) / double(counted)) : T(0);
}

template <class T>
void Accuracy<T>::backward(const BackwardArgs<T>& /*args*/) {
  throw Error(op_label_ + ": Accuracy has no backward (it is an evaluation metric)");
}

template class Accuracy<float>;
template class Accuracy<double>;

}  // namespace svertka::cpu_ref

namespace svertka {

void register_cpu_ref_accuracy(KernelRegistry& registry) {
  registry.add_reference<AccuracyOp, cpu_ref::Accuracy>();
}

}  // namespace svertka
