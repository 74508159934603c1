// A model by name or file, shaped for the data and with its trained weights: what eval, extract,
// predict and train load before they run a net.
//   name_or_file  a zoo name (alexnet, vgg16, googlenet, lenet, ...), a Caffe .prototxt or an .onnx
//   weights       a .caffemodel (blobs matched by layer name) or a .safetensors file (weights or a
//                 checkpoint); empty: the weights the model file holds (ONNX), if any
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "svertka/io/imported_model.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

namespace svertka {

struct LoadModelOptions {
  // A zoo model is built with these; a net file is adapted to them (adapt_to_data): classes,
  // input channels and size, batch.
  ModelOptions model;
  Phase phase = Phase::kTest;    // which data layers shape a train_val prototxt's inputs
  bool require_weights = false;  // ParamError when neither `weights` nor the model file has any
};

// Whether `name_or_file` names a net file (.prototxt or .onnx) rather than a zoo model.
bool is_model_file(const std::string& name_or_file);

// The net as its source defines it, not adapted: a zoo model built with `options`, a prototxt's
// net for `phase` (no weights), an ONNX graph at options.batch with its initialisers.
// NotFoundError listing the zoo's names for an unknown name; IoError naming a bad file.
ImportedModel import_model(const std::string& name_or_file, const ModelOptions& options,
                           Phase phase = Phase::kTest);

// Shapes an imported net for our data: its image input becomes "data" (batch, C, H, W), a "label"
// input (batch) is added if missing, and accuracy layers "accuracy_top1" / "accuracy_top5" on the
// logits if missing, as the trainer and evaluator expect. ParamError naming the net unless it has
// exactly one image input.
NetSpec adapt_to_data(NetSpec spec, const std::string& logits, const ModelOptions& options);

// The weights of `spec`'s parameters in `path`: a .caffemodel by layer name, else a safetensors
// file (weights, or a checkpoint whose momentum buffers are left out, or a quantized model, whose
// int8 layers are applied to `spec`: io/int8_model.h). IoError naming the file.
std::vector<NamedTensor> read_model_weights(const std::string& path, NetSpec& spec);

// import_model, then adapt_to_data for a net file (a zoo model is built for the data already),
// with the weights of `weights` (read_model_weights) or else those the file holds.
ImportedModel load_model(const std::string& name_or_file, const std::string& weights,
                         const LoadModelOptions& options);

// A net of `model.spec` holding `model.weights`: sharing their buffers (host tensors of the right
// shape, so the weights are held once; training such a net changes `model.weights` too), else
// copying them. IoError naming model.weights_source for a
// parameter of the net that the weights lack or hold in another shape; tensors the net does not
// use are ignored.
std::unique_ptr<Net> make_net(const ImportedModel& model, const NetOptions& options);

// The images a model takes.
struct ModelInput {
  int64_t channels = 3;  // 1 (greyscale) or 3 (colour): what images are decoded to
  int64_t crop = 224;    // the crop an image dataset gives it
};

// `name_or_file`'s input: a zoo model's native size, a net file's image input (its height when
// square, else 224). Channels: those `weights` (.safetensors weights or checkpoint, when given)
// were trained with, read from the shape of the first layer's weight on the image input; else a
// net file's image input; else 3. ShapeError naming the model for channels other than 1 or 3;
// `phase` picks a train_val net's data layers.
ModelInput model_input(const std::string& name_or_file, const std::string& weights = "",
                       Phase phase = Phase::kTest);

}  // namespace svertka
