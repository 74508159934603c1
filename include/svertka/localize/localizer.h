// Localisation as in the VGG paper: a bounding-box regression head on a classifier, trained with a
// Euclidean loss on box corners in [0, 1] units of the crop, next to the classification loss.
//   single-class regression: one box for the image, "bbox" (N,4)
//   per-class regression:    one box per class, "bbox" (N,4K); only the true class's four outputs
//                            get a gradient (the others' targets are set to their predictions)
// Training is the Trainer's (solver/trainer.h) on a net with the box head (add_box_head), with
// LocalizationTask filling each batch's box targets: every training option applies.
#pragma once

#include <functional>

#include "svertka/data/box_source.h"
#include "svertka/eval/localization.h"
#include "svertka/net.h"
#include "svertka/solver/train_task.h"

namespace svertka {

struct BoxHeadOptions {
  bool per_class = false;
  float loss_weight = 1;  // of "bbox_loss" against the classifier's "loss"
};

// Adds input "bbox_target" (N,4 or 4K), fc "bbox" on the features feeding the layer whose top is
// `logits` (the penultimate activations), and EuclideanLoss "bbox_loss". NotFoundError if no layer
// produces `logits`.
NetSpec add_box_head(NetSpec spec, const std::string& logits, int64_t num_classes,
                     const BoxHeadOptions& options);

// The Trainer's task for a net with a box head, on box data (BoxBatchSource, for training and
// validation alike; ParamError for other data):
//   before each forward   the batch's boxes into "bbox_target" (per-class: into the label's slot)
//   after it              per-class: the other slots' targets set to the predictions, so that
//                         only the true class's box gets a gradient
//   batch measure         "box_loss": squared error of the true boxes / (2N), unweighted
//   validation            localisation errors (class and IoU >= 0.5) as top-1/top-5, and
//                         "val_mean_iou" (decoded on the calling thread, OpenMP inside)
class LocalizationTask final : public TrainTask {
 public:
  LocalizationTask(std::string logits, BoxHeadOptions head)
      : logits_(std::move(logits)), head_(head) {}

  void check_data(const BatchSource& train, const BatchSource* validation) const override;
  std::vector<std::string> keep_blobs(Phase phase) const override;
  std::string batch_measure() const override { return "box_loss"; }
  std::string validation_measure() const override { return "val_mean_iou"; }
  void before_forward(Net& net, const Tensor& targets) const override;
  double after_forward(Net& net, const Tensor& targets) const override;
  ValidationCounts validate(Net& net, const BatchSource& data, Range range,
                            int workers) const override;

 private:
  std::string logits_;
  BoxHeadOptions head_;
};

// Localisation metrics of a net with a box head over the whole dataset (plain evaluation view).
// A test-phase net must keep both "bbox" and `logits` (NetOptions::keep_blobs): otherwise the
// buffer planner may reuse the scores' memory for later blobs before they are read here.
LocalizationCounts evaluate_localizer(
    Net& net, const BoxBatchSource& data, const std::string& logits,
    const std::function<void(int64_t done, int64_t total)>& progress = {});

}  // namespace svertka
