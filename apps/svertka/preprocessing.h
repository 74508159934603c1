// The preprocessing that eval, predict, extract, quantize and the Python module apply, so that a
// model is evaluated as it was trained (README.md, "Preprocessing travels with the model"):
//   1. the input transform recorded in the weights (svertka's .safetensors files, input_transform.h)
//   2. else the model file's own description: a train_val prototxt's TEST (else TRAIN) Data layer's
//      transform_param
//   3. else svertka's documented defaults: IDX digits standardised by the training set's mean and
//      deviation; images minus ImageNet's mean (or --stats), BGR, shorter side to --scale, centre
//      crop of the model's input size; LMDBs unchanged but for --pixel-scale, --mean-file,
//      --mean-value
// Options given (on the command line or by a recipe) override single fields of 1 and 2, each with
// a note on stderr: --mean none|channel|pixel|FILE.binaryproto, --mean-value, --mean-file,
// --pixel-scale, --channel-order, --channels, --resize, --scale, --crop. On IDX data, --pixel-scale,
// --mean none, --mean FILE and --mean-value select Caffe's arithmetic ((pixel - mean) * scale).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "data_options.h"
#include "svertka/data/batch_source.h"
#include "svertka/data/image_source.h"
#include "svertka/data/input_transform.h"
#include "svertka/io/model_loading.h"

namespace svertka::cli {

struct Preprocessing {
  std::optional<InputTransform> base;  // 1 or 2 above; nullopt: the defaults (3)
  std::string origin;                  // where it comes from, for the note
};

// The preprocessing `model` with `weights` carries (1 and 2 above). IoError for a record that does
// not decode or a Data layer whose mean file cannot be read.
Preprocessing model_preprocessing(const std::string& model, const std::string& weights);

// 2 above alone: a train_val prototxt's Data layer transform_param, the first layer of phase
// `first` (else of the other phase); nullopt for another model file or a prototxt without one.
std::optional<Preprocessing> data_layer_preprocessing(const std::string& model, Phase first);

// Records which of the preprocessing options above were given to `cmd` (command line or recipe).
void note_given_options(const CLI::App& cmd, ImageDataArgs& args);

// What `command` (eval, predict, extract, python) evaluates with, printed on stderr with its origin
// and each override. `mean` is the command's --mean.
// IDX digits of `folder`, the t10k split (or the train split); the train-* files are read only
// when the defaults need the training set's statistics.
std::unique_ptr<BatchSource> idx_eval_source(const std::string& folder, bool train_split,
                                             const Preprocessing& p, const ImageDataArgs& args,
                                             const std::string& mean, const std::string& command);
// Image files, for a model taking `input`.
ImageSourceOptions eval_image_options(const Preprocessing& p, const ImageDataArgs& args,
                                      const std::string& mean, const ModelInput& input,
                                      const std::string& command);
// A Caffe LMDB's records.
CaffeTransform eval_lmdb_transform(const Preprocessing& p, const ImageDataArgs& args,
                                   const std::string& mean, const std::string& command);

// What training records: the transforms of its data sources.
InputTransform image_record(const ImageTransformOptions& t, const std::string& mean);
InputTransform idx_record(const IdxBatchSource& source);

// Whether IDX training takes Caffe's arithmetic (the options above), and its transform then:
// `base` (a prototxt's transform_param, else {.channels = 1}) with the options given overriding
// its fields, channel / pixel means from the training set of `folder`.
bool idx_uses_caffe(const ImageDataArgs& args, const std::string& mean);
CaffeTransform idx_caffe_transform(const std::string& folder, const InputTransform& base,
                                   const ImageDataArgs& args, const std::string& mean,
                                   bool mirror);

}  // namespace svertka::cli
