// `svertka train --task localize` and `svertka eval --task localize`: box datasets and the box
// regression head (svertka/localize/localizer.h) from the command line. Training runs on the same
// Trainer as classification (train.cc), so every training option applies; the options that have
// no meaning for box data are rejected (check_localize_options).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "data_options.h"
#include "svertka/data/box_source.h"
#include "svertka/io/model_loading.h"
#include "svertka/localize/localizer.h"
#include "svertka/solver/train_config.h"

namespace svertka::cli {

struct LocalizeArgs {
  std::string task = "classify";  // or "localize"
  bool per_class = false;
  float box_loss_weight = 1;
  std::string train_xml, val_xml;  // PASCAL VOC / ImageNet annotation folders (images in --root)
  bool localize() const { return task == "localize"; }
  BoxHeadOptions head() const { return {.per_class = per_class, .loss_weight = box_loss_weight}; }
};

// --task, --per-class, --box-loss-weight, --train-xml (training only) and --val-xml.
void add_localize_options(CLI::App* cmd, LocalizeArgs& args, bool training);

// ParamError naming the first option given to `cmd` (train or eval; on its command line or by a
// recipe) that --task localize cannot honour, and why.
void check_localize_options(const CLI::App& cmd, bool training);

// A box list (`list`: "path label x1 y1 x2 y2") or an XML annotation folder (`xml`), its images
// prepared as `options` say; null when both are empty.
std::unique_ptr<BoxBatchSource> box_source(const std::string& list, const std::string& xml,
                                           const ImageDataArgs& image,
                                           const ImageSourceOptions& options);

// What `train --task localize` prints: each epoch's line (with the validation figures when
// `validated`) and the final validation figures (of `validation_size` images), in the form
// `eval --task localize` prints them.
void print_localize_epoch(const EpochMetrics& m, bool validated);
void print_localize_final(const EpochMetrics& m, int64_t validation_size);

// `eval --task localize`: one model and one weights file (ParamError for an ensemble).
void run_localize_eval(const std::vector<std::string>& models,
                       const std::vector<std::string>& weights, int64_t batch,
                       const std::string& mean, const ImageDataArgs& image,
                       const LocalizeArgs& localize);

}  // namespace svertka::cli
