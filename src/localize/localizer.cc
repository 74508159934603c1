#include "svertka/localize/localizer.h"

#include <algorithm>

#include "svertka/ops/euclidean_loss.h"
#include "svertka/ops/inner_product.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"

namespace svertka {
namespace {

// Scatters (N,4) targets into the label's slot of (N,4K) ones; the other slots take the current
// predictions, so their gradient (prediction - target) is zero.
void place_targets(const Tensor& unit, const Tensor& labels, const Tensor* predictions,
                   Tensor& targets) {
  const int64_t n = unit.dim(0), width = targets.numel() / n;
  for (int64_t i = 0; i < n; ++i) {
    float* row = targets.data() + i * width;
    if (predictions) std::copy_n(predictions->data() + i * width, width, row);
    const int64_t slot = width == 4 ? 0 : 4 * int64_t(labels[i]);
    std::copy_n(unit.data() + i * 4, 4, row + slot);
  }
}

// sum over the true boxes of squared error / (2N): the Euclidean loss without the other slots.
double box_loss(const Tensor& predictions, const Tensor& unit, const Tensor& labels) {
  const int64_t n = unit.dim(0), width = predictions.numel() / n;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t slot = width == 4 ? 0 : 4 * int64_t(labels[i]);
    for (int64_t j = 0; j < 4; ++j) {
      const double d = double(predictions[i * width + slot + j]) - double(unit[i * 4 + j]);
      sum += d * d;
    }
  }
  return sum / (2.0 * double(n));
}

// Samples [range.begin, range.end) in batches of the net's batch size (the last one padded with
// repeats of the last sample).
LocalizationCounts evaluate_range(Net& net, const BoxBatchSource& data, const std::string& logits,
                                  Range range,
                                  const std::function<void(int64_t, int64_t)>& progress) {
  Tensor& images = net.input(kDataBlob);
  Tensor& labels = net.input(kLabelBlob);
  Tensor& targets = net.input(kBoxTargetBlob);
  const int64_t batch = images.dim(0), total = range.end - range.begin;
  const double crop = double(data.sample_shape()[1]);
  Tensor unit(Shape{batch, 4});
  std::vector<std::vector<Box>> truth;
  LocalizationCounts counts;
  std::vector<int64_t> indices(static_cast<size_t>(batch));
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    for (int64_t i = 0; i < batch; ++i)
      indices[size_t(i)] = range.begin + begin + std::min(i, count - 1);
    data.fill_boxes(indices, /*augment=*/false, 0, 0, images, labels, unit, &truth);
    place_targets(unit, labels, nullptr, targets);
    net.forward();
    counts += count_localization(net.blob(logits), net.blob(kBoxBlob), labels, truth, count, crop);
    if (progress) progress(begin + count, total);
  }
  return counts;
}

const BoxBatchSource& box_data(const BatchSource& data, const char* what) {
  const auto* boxes = dynamic_cast<const BoxBatchSource*>(&data);
  if (!boxes)
    throw ParamError(std::string("localisation needs box data for ") + what +
                     " (a BoxBatchSource: box lists or XML annotations)");
  return *boxes;
}

}  // namespace

NetSpec add_box_head(NetSpec spec, const std::string& logits, int64_t num_classes,
                     const BoxHeadOptions& options) {
  const LayerSpec* classifier = nullptr;
  for (const LayerSpec& layer : spec.layers)
    for (const std::string& top : layer.tops)
      if (top == logits && !layer.bottoms.empty()) classifier = &layer;
  if (!classifier)
    throw NotFoundError("net '" + spec.name + "' has no layer producing the logits '" + logits +
                        "' to put a box head beside");
  const std::string features = classifier->bottoms.front();
  const int64_t batch = spec.inputs.front().shape[0];
  const int64_t outputs = options.per_class ? 4 * num_classes : 4;
  spec.inputs.push_back({kBoxTargetBlob, Shape{batch, outputs}});

  InnerProductParams fc;
  fc.out_features = outputs;
  LayerSpec head;
  head.name = kBoxBlob;
  head.op = std::make_shared<InnerProductOp>(fc);
  head.bottoms = {features};
  head.tops = {kBoxBlob};
  head.params = {{Filler::gaussian(0.001), 1, 1}, {Filler::constant(0), 2, 0}};
  LayerSpec loss;
  loss.name = kBoxLossBlob;
  loss.op = std::make_shared<EuclideanLossOp>();
  loss.bottoms = {kBoxBlob, kBoxTargetBlob};
  loss.tops = {kBoxLossBlob};
  loss.loss_weight = options.loss_weight;
  spec.layers.push_back(std::move(head));
  spec.layers.push_back(std::move(loss));
  return spec;
}

LocalizationCounts evaluate_localizer(Net& net, const BoxBatchSource& data,
                                      const std::string& logits,
                                      const std::function<void(int64_t, int64_t)>& progress) {
  return evaluate_range(net, data, logits, {0, data.size()}, progress);
}

std::vector<std::string> LocalizationTask::keep_blobs(Phase phase) const {
  if (phase == Phase::kTrain) return {kBoxBlob};
  return {kBoxBlob, logits_};
}

void LocalizationTask::check_data(const BatchSource& train, const BatchSource* validation) const {
  box_data(train, "training");
  if (validation) box_data(*validation, "validation");
}

void LocalizationTask::before_forward(Net& net, const Tensor& targets) const {
  place_targets(targets, net.input(kLabelBlob), nullptr, net.input(kBoxTargetBlob));
}

double LocalizationTask::after_forward(Net& net, const Tensor& targets) const {
  const Tensor& labels = net.input(kLabelBlob);
  const Tensor& predictions = net.blob(kBoxBlob);
  if (head_.per_class) place_targets(targets, labels, &predictions, net.input(kBoxTargetBlob));
  return box_loss(predictions, targets, labels);
}

ValidationCounts LocalizationTask::validate(Net& net, const BatchSource& data, Range range,
                                            int /*workers*/) const {
  const LocalizationCounts c =
      evaluate_range(net, box_data(data, "validation"), logits_, range, {});
  return {.samples = c.samples, .top1 = c.top1, .top5 = c.top5, .task_sum = c.iou_sum};
}

}  // namespace svertka
