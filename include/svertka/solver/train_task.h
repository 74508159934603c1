// What distinguishes one training task from another on the same Trainer (trainer.h): the net's
// head is the caller's (a classifier, or one with a box head: localize/localizer.h); the task adds
// the inputs it fills for each batch beyond "data" and "label", its own measure of a training
// batch, and its validation. Classification is the plain case.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "svertka/data/batch_source.h"
#include "svertka/dist/shard.h"
#include "svertka/net.h"

namespace svertka {

// What a validation pass counted (summed over ranks): samples, those right at top-1 and top-5
// (localisation: class and box right), and the task's own per-sample sum (localisation: IoU).
struct ValidationCounts {
  int64_t samples = 0, top1 = 0, top5 = 0;
  double task_sum = 0;
  double top1_error() const { return samples ? 1.0 - double(top1) / double(samples) : 0.0; }
  double top5_error() const { return samples ? 1.0 - double(top5) / double(samples) : 0.0; }
  double task_mean() const { return samples ? task_sum / double(samples) : 0.0; }
};

class TrainTask {
 public:
  virtual ~TrainTask() = default;

  // ParamError unless the task can train on `train` and validate on `validation` (null: none).
  virtual void check_data(const BatchSource& /*train*/, const BatchSource* /*validation*/) const {}
  // Blobs a net of `phase` must keep readable after forward (NetOptions::keep_blobs).
  virtual std::vector<std::string> keep_blobs(Phase phase) const = 0;
  // Names of the task's own measures, empty when it has none: of a training batch (averaged
  // per epoch: EpochMetrics::task, TrainProgress::task_measure) and of validation (task_mean()).
  virtual std::string batch_measure() const { return {}; }
  virtual std::string validation_measure() const { return {}; }

  // Before each training forward: inputs beyond "data" and "label" from the batch's `targets`
  // ((B, BatchSource::target_width()); empty when the source has none).
  virtual void before_forward(Net& /*net*/, const Tensor& /*targets*/) const {}
  // After that forward, before backward (may rewrite inputs the loss's backward reads); returns
  // the batch's measure (0 without one).
  virtual double after_forward(Net& /*net*/, const Tensor& /*targets*/) const { return 0; }

  // Counts over samples [range.begin, range.end) of `data` with the TEST-phase `net`, filled by
  // `workers` threads (0: synchronously).
  virtual ValidationCounts validate(Net& net, const BatchSource& data, Range range,
                                    int workers) const = 0;
};

// Class scores in the blob `logits`, top-1/top-5 error; no inputs beyond "data" and "label".
class ClassificationTask final : public TrainTask {
 public:
  explicit ClassificationTask(std::string logits) : logits_(std::move(logits)) {}
  std::vector<std::string> keep_blobs(Phase) const override { return {}; }
  ValidationCounts validate(Net& net, const BatchSource& data, Range range,
                            int workers) const override;

 private:
  std::string logits_;
};

}  // namespace svertka
