// Localisation as in the VGG paper: a bounding-box regression head on a classifier, trained with a
// Euclidean loss on box corners in [0, 1] units of the crop, next to the classification loss.
//   single-class regression: one box for the image, "bbox" (N,4)
//   per-class regression:    one box per class, "bbox" (N,4K); only the true class's four outputs
//                            get a gradient (the others' targets are set to their predictions)
#pragma once

#include <functional>

#include "svertka/data/box_source.h"
#include "svertka/eval/localization.h"
#include "svertka/net.h"
#include "svertka/solver/trainer.h"

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

struct LocalizeConfig {
  // Model, epochs, batch, schedule, SGD, seed, backend, out_dir and on_progress are used; the
  // classifier comes from build_net or the zoo as in train().
  TrainConfig train;
  BoxHeadOptions head;
  std::function<void(int64_t epoch, double box_loss, const LocalizationCounts& validation)> on_epoch;
};

struct LocalizeResult {
  LocalizationCounts validation;  // after the last epoch (empty without a validation set)
  double box_loss = 0;            // mean over the last epoch
};

// Trains classifier and box head together; writes out_dir/weights.safetensors when out_dir is set.
LocalizeResult train_localizer(const LocalizeConfig& config, const BoxBatchSource& train_data,
                               const BoxBatchSource* validation_data);

// Localisation metrics of a net with a box head over the whole dataset (plain evaluation view).
// A test-phase net must keep both "bbox" and `logits` (NetOptions::keep_blobs): otherwise the
// buffer planner may reuse the scores' memory for later blobs before they are read here.
LocalizationCounts evaluate_localizer(
    Net& net, const BoxBatchSource& data, const std::string& logits,
    const std::function<void(int64_t done, int64_t total)>& progress = {});

}  // namespace svertka
