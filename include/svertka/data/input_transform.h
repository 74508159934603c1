// The input transform a model was trained with: how pixels (0..255) become the net's input. Every
// weights file and checkpoint svertka writes records it in its safetensors "__metadata__" under
// "svertka_input_transform", as JSON (README.md, "Preprocessing travels with the model"):
//   {"version": 1, "arithmetic": "caffe", "channels": 1, "channel_order": "bgr",
//    "mean": "none", "pixel_scale": 0.00390625, "resize": "none", "input": [28, 28], ...}
// so that eval, predict, extract and the Python module prepare images as training did.
//   arithmetic "caffe"        out = (pixel - mean) * pixel_scale    (Caffe's DataTransformer)
//   arithmetic "standardise"  out = (pixel * pixel_scale - mean) / stddev   (svertka's IDX default;
//                             the mean in scaled units)
// mean: "none", "channel" (mean_values: one per channel in the input's channel order, or one for
// all) or "pixel" (mean_image (C,H,W), in the input's channel order).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "svertka/data/caffe_transform.h"
#include "svertka/tensor.h"

namespace svertka {

inline constexpr const char* kInputTransformKey = "svertka_input_transform";
inline constexpr int kInputTransformVersion = 1;

struct InputTransform {
  enum class Arithmetic { kCaffe, kStandardise };
  Arithmetic arithmetic = Arithmetic::kCaffe;
  int64_t channels = 3;                // 1 (grey) or 3 (colour)
  std::string channel_order = "bgr";   // of the input's planes: bgr (Caffe) or rgb (torchvision)
  std::string mean = "none";           // none, channel or pixel
  std::vector<float> mean_values;      // channel: one, or one per channel
  Tensor mean_image;                   // pixel: (C,H,W)
  float pixel_scale = 1;
  float stddev = 1;                    // standardise only
  std::string resize = "none";         // none (the data's own size), shorter (side to S) or warp
  int64_t resize_to = 0;               // S, for shorter and warp
  int64_t crop = 0;                    // centre crop size when evaluating; 0: none
  int64_t input_height = 0, input_width = 0;  // the net's input; 0: unknown
  bool mirror = false;                 // training flipped images (evaluation does not)
  bool force_color = false, force_gray = false;  // Caffe: encoded images decoded so

  // One line for messages: "caffe: mean none, scale 0.00390625, bgr, 1 channel, 28x28".
  std::string describe() const;
};

// The record as JSON, and back. decode: IoError naming `where` for malformed JSON, an unknown
// version, arithmetic, mean kind, order or resize rule, a mean that does not match its kind, or a
// value out of range (channels other than 1 or 3, a scale or stddev that is not finite and
// positive).
std::string encode_input_transform(const InputTransform& transform);
InputTransform decode_input_transform(const std::string& json, const std::string& where);

// The record in a safetensors file's metadata (header only); nullopt for a file without one (an
// older svertka file, a converted one) or a file that is not safetensors (.caffemodel, .onnx).
// IoError naming the file for a record that does not decode.
std::optional<InputTransform> recorded_input_transform(const std::string& weights_path);

// The metadata entry holding `transform`.
inline std::pair<std::string, std::string> input_transform_entry(const InputTransform& transform) {
  return {kInputTransformKey, encode_input_transform(transform)};
}

// Caffe's transform_param as a record (crop and mirror included; 1 or 3 channels given), and a
// "caffe" record as Caffe's transform. ParamError for a "standardise" record.
InputTransform from_caffe_transform(const CaffeTransform& caffe, int64_t channels);
CaffeTransform to_caffe_transform(const InputTransform& transform);

}  // namespace svertka
