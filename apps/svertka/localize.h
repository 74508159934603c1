// `svertka train --task localize` and `svertka eval --task localize`: box datasets and the box
// regression head (svertka/localize/localizer.h) from the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "data_options.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {

struct LocalizeArgs {
  std::string task = "classify";  // or "localize"
  bool per_class = false;
  float box_loss_weight = 1;
  std::string train_xml, val_xml;  // PASCAL VOC / ImageNet annotation folders (images in --root)
  bool localize() const { return task == "localize"; }
};

// --task, --per-class, --box-loss-weight, --train-xml (training only) and --val-xml.
void add_localize_options(CLI::App* cmd, LocalizeArgs& args, bool training);

// The training-run settings of train.cc that localisation uses.
struct LocalizeTrainArgs {
  TrainConfig config;
  ImageDataArgs image;
  LocalizeArgs localize;
  std::string mean, schedule;
  double lr = 0.01, gamma = 0.1;
  int64_t step_size = 0;
  bool mirror = true;
};

void run_localize_train(LocalizeTrainArgs args);

void run_localize_eval(const std::string& model, const std::string& weights, int64_t batch,
                       const std::string& mean, const ImageDataArgs& image,
                       const LocalizeArgs& localize);

}  // namespace svertka::cli
