// Command-line options for image datasets, shared by train, eval, mean and bench-data:
//   --data ROOT          an IDX folder (MNIST) or ImageNet's layout: ROOT/train/<class>/*.jpg and
//                        ROOT/val/<class>/*.jpg (either may be missing where it is not needed)
//   --train-list FILE    Caffe-style lists ("path label" per line) with --root for their paths
//   --val-list FILE
// and the transforms of image_transform.h; for Caffe LMDBs (--data PATH.lmdb) --crop, --pixel-scale,
// --mean-file and --mean-value make Caffe's transform_param (caffe_transform.h).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "svertka/data/image_source.h"
#include "svertka/data/image_stats.h"
#include "svertka/data/open_dataset.h"

namespace svertka::cli {

struct ImageDataArgs {
  std::string train_list, val_list, root, classes, stats;
  int64_t num_classes = 0;  // 0: the class folders, or the largest label + 1
  std::string resize = "shorter";
  int64_t scale = 256, scale_max = 0;  // scale_max 0: no jitter
  int64_t crop = 0;                    // 0: the model's input size (224 without a model)
  int64_t channels = 0;                // 0: the model's (model_input); else 1 or 3
  float pca = 0;
  std::vector<double> crop_area;  // GoogLeNet's sampling: area fractions {min, max}; empty: off
  std::vector<double> crop_aspect{3.0 / 4.0, 4.0 / 3.0};  // its aspect ratios (width / height)
  float colour_jitter = 0;
  std::string order = "bgr";
  float pixel_scale = 1;
  int workers = 0;  // 0: one per core
  int prefetch = 4;
  bool skip_bad = false;
  // Caffe LMDB data without a Data layer (lmdb_data.h): its transform_param's mean.
  std::string mean_file;          // mean.binaryproto
  std::vector<float> mean_value;  // one, or one per channel
  // The preprocessing options given on the command line or by a recipe (note_given_options,
  // preprocessing.h): they override the preprocessing a model carries.
  std::set<std::string> given;
};

// Adds the options above (not --data, which each command owns). `training` adds the training
// transforms (jitter, PCA colour, prefetch).
void add_image_data_options(CLI::App* cmd, ImageDataArgs& args, bool training);

int resolved_workers(const ImageDataArgs& args);

// --mean: channel, pixel, none or a Caffe mean file (FILE.binaryproto).
CLI::Validator mean_option_check();
ResizeMode parse_resize_mode(const std::string& text);

// The transform and dataset options from the arguments; `mirror` and `mean` ("channel", "pixel"
// or "none") come from the command's own options, `channels` (1 or 3) from the model unless
// --channels is given. Means and colour eigenpairs come from --stats (a `svertka mean` file) when
// given, else ImageNet's published values (pixel needs --stats); with 1 channel the means are
// their luma (grey_mean).
ImageSourceOptions image_source_options(const ImageDataArgs& args, int64_t default_crop,
                                        bool mirror, const std::string& mean, int64_t channels = 3);

// Where the dataset is (open_dataset): --data (a command's own option), the lists and --root,
// --classes, --num-classes.
DatasetLocation dataset_location(const ImageDataArgs& args, const std::string& data);

// Prints the images skipped by --skip-bad, if any.
void report_skipped(const std::string& what, const std::vector<std::string>& skipped);

}  // namespace svertka::cli
