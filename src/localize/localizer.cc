#include "svertka/localize/localizer.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "ops/euclidean_loss.h"
#include "ops/inner_product.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/solver/checkpoint.h"

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
  Tensor& images = net.input(kDataBlob);
  Tensor& labels = net.input(kLabelBlob);
  Tensor& targets = net.input(kBoxTargetBlob);
  const int64_t batch = images.dim(0), total = data.size();
  const double crop = double(data.sample_shape()[1]);
  Tensor unit(Shape{batch, 4});
  std::vector<std::vector<Box>> truth;
  LocalizationCounts counts;
  std::vector<int64_t> indices(static_cast<size_t>(batch));
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    for (int64_t i = 0; i < batch; ++i) indices[size_t(i)] = begin + std::min(i, count - 1);
    data.fill_boxes(indices, /*augment=*/false, 0, 0, images, labels, unit, &truth);
    place_targets(unit, labels, nullptr, targets);
    net.forward();
    counts += count_localization(net.blob(logits), net.blob(kBoxBlob), labels, truth, count, crop);
    if (progress) progress(begin + count, total);
  }
  return counts;
}

LocalizeResult train_localizer(const LocalizeConfig& config, const BoxBatchSource& train_data,
                               const BoxBatchSource* validation_data) {
  const TrainConfig& c = config.train;
  if (c.batch <= 0 || c.epochs <= 0) throw ParamError("batch and epochs must be positive");
  const int64_t per_epoch = train_data.size() / c.batch;
  if (per_epoch == 0)
    throw ParamError("the box training set (" + std::to_string(train_data.size()) +
                     " images) is smaller than one batch (" + std::to_string(c.batch) + ")");
  const ModelOptions options = model_options_for(train_data, c.batch, c.width_divisor);
  const std::string logits = c.build_net ? c.logits : model_info(c.model).logits;
  const NetSpec spec = add_box_head(c.build_net ? c.build_net(options) : build_model(c.model, options),
                                    logits, options.num_classes, config.head);
  Net net(spec, {.phase = Phase::kTrain, .backend = c.backend, .keep_blobs = {kBoxBlob}});
  net.init_params(c.seed);
  std::unique_ptr<Net> test_net;
  if (validation_data) {
    test_net = std::make_unique<Net>(
        spec,
        NetOptions{.phase = Phase::kTest, .backend = c.backend, .keep_blobs = {kBoxBlob, logits}});
    test_net->share_params_from(net);
  }
  SgdSolver solver(net.params(), c.sgd);
  LrScheduleOptions schedule_options = c.schedule;
  if (schedule_options.kind == LrScheduleOptions::Kind::kPoly)
    schedule_options.max_iter = per_epoch * c.epochs;
  LrSchedule schedule(schedule_options);

  Tensor& images = net.input(kDataBlob);
  Tensor& labels = net.input(kLabelBlob);
  Tensor& targets = net.input(kBoxTargetBlob);
  Tensor unit(Shape{c.batch, 4});
  const int64_t planned = per_epoch * c.epochs;
  const auto start = std::chrono::steady_clock::now();
  LocalizeResult result;
  int64_t iteration = 0;
  for (int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    const std::vector<int64_t> order = epoch_order(train_data.size(), c.seed, uint64_t(epoch));
    double loss_sum = 0;
    for (int64_t b = 0; b < per_epoch; ++b, ++iteration) {
      if (c.stop_requested && c.stop_requested->load()) return result;
      const std::span<const int64_t> batch(order.data() + b * c.batch, size_t(c.batch));
      train_data.fill_boxes(batch, /*augment=*/true, c.seed, uint64_t(epoch), images, labels, unit);
      place_targets(unit, labels, nullptr, targets);
      net.set_step(uint64_t(iteration));
      const float loss = net.forward();
      if (!std::isfinite(loss))
        throw DataError("localisation training diverged at iteration " +
                        std::to_string(iteration) + ": the loss is " + std::to_string(loss));
      const Tensor& predictions = net.blob(kBoxBlob);
      if (config.head.per_class) place_targets(unit, labels, &predictions, targets);
      const double bl = box_loss(predictions, unit, labels);
      loss_sum += bl;
      net.backward();
      const double lr = schedule.lr(iteration);
      solver.step(lr);
      if (c.on_progress) {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double done = double(iteration + 1);
        c.on_progress({epoch, c.epochs, iteration + 1, planned,
                       done * double(c.batch) / std::max(s, 1e-9), bl, lr,
                       s / done * double(planned - iteration - 1)});
      }
    }
    result.box_loss = loss_sum / double(per_epoch);
    if (test_net) result.validation = evaluate_localizer(*test_net, *validation_data, logits);
    if (schedule_options.kind == LrScheduleOptions::Kind::kPlateau && test_net)
      schedule.observe_validation_error(result.validation.top1_error());
    if (config.on_epoch) config.on_epoch(epoch, result.box_loss, result.validation);
  }
  if (!c.out_dir.empty()) {
    std::filesystem::create_directories(c.out_dir);
    save_weights(c.out_dir + "/weights.safetensors", net);
  }
  return result;
}

}  // namespace svertka
