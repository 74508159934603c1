// Command-line pieces shared by the subcommands that build a zoo model.
#pragma once

#include <string>

#include "svertka/data/batch_source.h"
#include "svertka/io/imported_model.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

namespace svertka::cli {

// Applies an "--input CxHxW" value (e.g. 3x224x224) to `options`; empty leaves the model's native
// size. ParamError on anything else.
void apply_input_size(const std::string& text, ModelOptions& options);

// "channel" | "pixel" (the --mean option of train and eval); ParamError otherwise.
MeanSubtraction parse_mean_subtraction(const std::string& text);

// A --model value: a zoo name, a Caffe .prototxt or an .onnx file. Zoo models are built with
// `options`; files keep their own input shapes (phase picks a train_val net's data layers).
bool is_model_file(const std::string& model);
ImportedModel resolve_model(const std::string& model, const ModelOptions& options,
                            Phase phase = Phase::kTest);

// Shapes an imported net for our data: its image input becomes "data" (batch, C, H, W), a "label"
// input (batch) is added if missing, and accuracy layers "accuracy_top1" / "accuracy_top5" on the
// logits if missing, as the trainer and evaluator expect.
NetSpec adapt_to_data(NetSpec spec, const std::string& logits, const ModelOptions& options);

// Loads weights into `net`: a .caffemodel (matched by layer name), or safetensors (weights or a
// checkpoint).
void load_model_weights(const std::string& path, const NetSpec& spec, Net& net);

// The images a --model takes.
struct ModelInput {
  int64_t channels = 3;  // 1 (greyscale) or 3 (colour): what images are decoded to
  int64_t crop = 224;    // the crop an image dataset gives it (--crop overrides)
};

// `model`'s input: a zoo model's native size, a net file's image input (its height when square,
// else 224). Channels: those `weights` (.safetensors weights or checkpoint, when given) were
// trained with, read from the shape of the first layer's weight on the image input; else a net
// file's image input; else 3. ShapeError naming the model for channels other than 1 or 3;
// `phase` picks a train_val net's data layers.
ModelInput model_input(const std::string& model, const std::string& weights = "",
                       Phase phase = Phase::kTest);

// model_input(model).crop.
int64_t default_crop(const std::string& model);

// The trained weights of `model_name` into `net`: from `path` when given, else the ones the model
// file holds (ONNX); ParamError when there are none.
void load_trained_weights(const std::string& path, const ImportedModel& model,
                          const std::string& model_name, Net& net);

}  // namespace svertka::cli
