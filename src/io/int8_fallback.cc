#include "svertka/io/int8_fallback.h"

#include <algorithm>

#include "svertka/error.h"

namespace svertka {

Fp32Fallback choose_fp32_layers(const std::vector<std::string>& layers,
                                const Fp32FallbackOptions& options,
                                const AccuracyWithFp32& accuracy) {
  if (!(options.max_loss >= 0))
    throw ParamError("the top-1 an int8 model may lose must be >= 0, got " +
                     std::to_string(options.max_loss));
  for (const std::string& name : options.forced)
    if (std::find(layers.begin(), layers.end(), name) == layers.end())
      throw ParamError("'" + name + "' (to keep in fp32) is no quantizable layer of the model");
  auto within = [&](double a) { return options.fp32_accuracy - a <= options.max_loss; };

  Fp32Fallback f;
  f.fp32_accuracy = options.fp32_accuracy;
  f.all_int8 = {options.forced, accuracy(options.forced)};
  f.fp32_layers = f.all_int8.fp32_layers;
  f.accuracy = f.all_int8.accuracy;
  if (within(f.accuracy)) {
    f.within_loss = true;
    return f;
  }
  for (const std::string& layer : layers) {
    if (options.forced.contains(layer)) continue;
    std::set<std::string> fp32 = options.forced;
    fp32.insert(layer);
    f.one_by_one.push_back({fp32, accuracy(fp32)});
  }
  // The most helpful first; equal ones in network order (stable sort).
  std::vector<const Fp32Fallback::Measured*> order;
  for (const Fp32Fallback::Measured& m : f.one_by_one) order.push_back(&m);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->accuracy > b->accuracy; });
  for (const Fp32Fallback::Measured* m : order) {
    f.fp32_layers.insert(m->fp32_layers.begin(), m->fp32_layers.end());
    // The first step is the one-layer measurement itself.
    const double a = f.steps.empty() ? m->accuracy : accuracy(f.fp32_layers);
    f.steps.push_back({f.fp32_layers, a});
    f.accuracy = a;
    if (within(a)) break;
  }
  f.within_loss = within(f.accuracy);
  return f;
}

}  // namespace svertka
