#include "quantize_check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>

#include "svertka/eval/eval_batch.h"
#include "svertka/eval/metrics.h"
#include "svertka/io/model_loading.h"

namespace svertka::cli {
namespace {

// Top-1 of `model` over the check's images of `data`.
double top1(const ImportedModel& model, const BatchSource& data, const AccuracyCheck& check,
            const std::shared_ptr<Device>& device) {
  TopKCounts counts;
  run_passes(model, data, check.images, check.batch, {.phase = Phase::kTest, .device = device},
             [&](const Net& net, const Tensor& labels, int64_t real) {
               const Tensor& blob = net.blob(model.logits);
               counts += count_top_k(blob.on_host() ? blob : blob.to_host(), labels, real);
             });
  return double(counts.top1) / double(counts.samples);
}

std::string describe(const std::set<std::string>& fp32_layers) {
  return fp32_layers.empty() ? std::string("int8, every layer")
                             : fmt::format("int8 but {} in fp32", fmt::join(fp32_layers, ", "));
}

}  // namespace

void run_passes(const ImportedModel& model, const BatchSource& data,
                std::span<const int64_t> images, int64_t batch, const NetOptions& options,
                const AfterPass& after) {
  const auto count = static_cast<int64_t>(images.size());
  batch = std::min(batch, count);
  ImportedModel at_batch = model;
  at_batch.spec = with_batch(model.spec, batch);
  const std::unique_ptr<Net> net = make_net(at_batch, options);
  Tensor labels(Shape{batch});
  std::vector<int64_t> indices(static_cast<size_t>(batch));
  for (int64_t start = 0; start < count; start += batch) {
    const int64_t real = std::min(batch, count - start);
    for (int64_t i = 0; i < batch; ++i)
      indices[size_t(i)] = images[size_t(start + std::min(i, real - 1))];
    data.fill(indices, false, 0, 0, net->input("data"), labels);
    if (net->has_blob("label")) net->input("label").copy_from(labels);
    net->forward();
    after(*net, labels, real);
  }
}

Fp32Fallback check_int8_accuracy(const ImportedModel& model, const ActivationRanges& ranges,
                                 const BatchSource& data, const AccuracyCheck& check,
                                 const std::shared_ptr<Device>& device) {
  fmt::print("accuracy check: top-1 on {} training images the calibration did not take; int8 may "
             "lose {} points\n",
             check.images.size(), check.max_loss_points);
  const double fp32 = top1(model, data, check, device);
  fmt::print("  {:<40} {:6.2f}%\n", "fp32", 100 * fp32);
  std::fflush(stdout);
  auto accuracy = [&](const std::set<std::string>& fp32_layers) {
    const double a =
        top1(quantized_model(model, ranges, {.keep_fp32 = fp32_layers}), data, check, device);
    fmt::print("  {:<40} {:6.2f}%  ({:+.2f} points)\n", describe(fp32_layers), 100 * a,
               100 * (a - fp32));
    std::fflush(stdout);
    return a;
  };
  const Fp32Fallback f = choose_fp32_layers(
      quantizable_layers(model.spec),
      {.fp32_accuracy = fp32, .max_loss = check.max_loss_points / 100, .forced = check.forced},
      accuracy);
  if (f.steps.empty()) {
    fmt::print("int8 is within {} points of fp32: no layer {}needs to stay fp32\n",
               check.max_loss_points, check.forced.empty() ? "" : "beyond --keep-fp32's ");
  } else if (f.within_loss) {
    fmt::print("kept in fp32 by measured accuracy: {} ({:.2f}% against fp32's {:.2f}%)\n",
               fmt::join(f.fp32_layers, ", "), 100 * f.accuracy, 100 * fp32);
  } else {
    fmt::print("no choice of layers brought int8 within {} points of fp32; every layer stays "
               "fp32\n",
               check.max_loss_points);
  }
  return f;
}

}  // namespace svertka::cli
