#include "svertka/data/input_transform.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/bounded_json.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka {
namespace {

using Json = nlohmann::ordered_json;

const char* arithmetic_name(InputTransform::Arithmetic a) {
  return a == InputTransform::Arithmetic::kCaffe ? "caffe" : "standardise";
}

bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (value == a) return true;
  return false;
}

// Reads a field of the record, failing with the record's place and the field's name.
class Reader {
 public:
  Reader(const Json& json, std::string where) : json_(json), where_(std::move(where)) {}
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw IoError(where_ + ": input transform record: '" + field + "' " + what);
  }
  template <class T>
  T get(const char* field, T fallback) const {
    if (!json_.contains(field)) return fallback;
    try {
      return json_.at(field).get<T>();
    } catch (const Json::exception&) {
      fail(field, "has the wrong type: " + json_limits::excerpt(json_.at(field)));
    }
  }
  std::string word(const char* field, const std::string& fallback,
                   std::initializer_list<const char*> allowed) const {
    const auto value = get<std::string>(field, fallback);
    if (!one_of(value, allowed)) fail(field, "is '" + value + "', not one of the known values");
    return value;
  }
  const Json& json() const { return json_; }

 private:
  const Json& json_;
  std::string where_;
};

void check(const InputTransform& t, const Reader& r) {
  if (t.channels != 1 && t.channels != 3) r.fail("channels", "must be 1 or 3");
  if (!std::isfinite(t.pixel_scale) || !(t.pixel_scale > 0))
    r.fail("pixel_scale", "must be finite and positive");
  if (!std::isfinite(t.stddev) || !(t.stddev > 0)) r.fail("stddev", "must be finite and positive");
  if (t.mean == "channel" && t.mean_values.size() != 1 &&
      int64_t(t.mean_values.size()) != t.channels)
    r.fail("mean_values", "must hold 1 or one value per channel for mean 'channel'");
  if (t.mean == "pixel" && !t.mean_image.defined())
    r.fail("mean_image", "is missing for mean 'pixel'");
  if (t.mean == "pixel" && t.mean_image.shape()[0] != t.channels)
    r.fail("mean_image", "must have one plane per channel");
  for (const float v : t.mean_values)
    if (!std::isfinite(v)) r.fail("mean_values", "must be finite");
  if (t.resize_to < 0 || t.crop < 0 || t.input_height < 0 || t.input_width < 0)
    r.fail("resize_to/crop/input", "must not be negative");
}

Tensor read_mean_image(const Reader& r) {
  const Json& m = r.json().at("mean_image");
  std::vector<int64_t> dims;
  std::vector<float> values;
  try {
    dims = m.at("shape").get<std::vector<int64_t>>();
    values = m.at("values").get<std::vector<float>>();
  } catch (const Json::exception&) {
    r.fail("mean_image", "must be {\"shape\": [C, H, W], \"values\": [...]}");
  }
  if (dims.size() != 3 || dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0 ||
      dims[0] * dims[1] * dims[2] != int64_t(values.size()))
    r.fail("mean_image", "shape and value count do not match");
  Tensor image(Shape{dims[0], dims[1], dims[2]});
  std::copy(values.begin(), values.end(), image.data());
  return image;
}

}  // namespace

std::string InputTransform::describe() const {
  std::string text = std::string(arithmetic_name(arithmetic)) + ": mean " + mean;
  auto number = [](float v) { return fmt::format("{}", v); };
  if (mean == "channel") {
    text += " (";
    for (size_t i = 0; i < mean_values.size(); ++i) text += (i ? "," : "") + number(mean_values[i]);
    text += ")";
  }
  if (mean == "pixel") text += " " + mean_image.shape().str();
  text += ", scale " + number(pixel_scale);
  if (arithmetic == Arithmetic::kStandardise) text += ", stddev " + number(stddev);
  text += ", " + channel_order + ", " +
          (channels == 0 ? std::string("channels as the data has them")
                         : std::to_string(channels) + (channels == 1 ? " channel" : " channels"));
  if (resize != "none") text += ", resize " + resize + " " + std::to_string(resize_to);
  if (crop > 0) text += ", centre crop " + std::to_string(crop);
  if (input_height > 0)
    text += ", input " + std::to_string(input_height) + "x" + std::to_string(input_width);
  return text;
}

std::string encode_input_transform(const InputTransform& t) {
  Json j = Json::object();
  j["version"] = kInputTransformVersion;
  j["arithmetic"] = arithmetic_name(t.arithmetic);
  j["channels"] = t.channels;
  j["channel_order"] = t.channel_order;
  j["mean"] = t.mean;
  if (t.mean == "channel") j["mean_values"] = t.mean_values;
  if (t.mean == "pixel") {
    j["mean_image"] = {{"shape", t.mean_image.shape().dims()},
                       {"values", std::vector<float>(t.mean_image.data(),
                                                     t.mean_image.data() + t.mean_image.numel())}};
  }
  j["pixel_scale"] = t.pixel_scale;
  if (t.arithmetic == InputTransform::Arithmetic::kStandardise) j["stddev"] = t.stddev;
  j["resize"] = t.resize;
  if (t.resize != "none") j["resize_to"] = t.resize_to;
  j["crop"] = t.crop;
  j["input"] = {t.input_height, t.input_width};
  j["mirror"] = t.mirror;
  if (t.force_color) j["force_color"] = true;
  if (t.force_gray) j["force_gray"] = true;
  return j.dump();
}

InputTransform decode_input_transform(const std::string& text, const std::string& where) {
  if (json_limits::too_deep_at(text))
    throw IoError(where + ": input transform record nests too deeply");
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::exception& e) {  // a syntax error, or a number too large (out_of_range)
    throw IoError(where + ": input transform record is not valid JSON: " +
                  std::string(e.what()).substr(0, json_limits::kMaxExcerpt));
  }
  if (!json.is_object()) throw IoError(where + ": input transform record is not a JSON object");
  const Reader r(json, where);
  if (r.get<int>("version", 0) != kInputTransformVersion)
    r.fail("version", "is not " + std::to_string(kInputTransformVersion) +
                          " (written by a newer svertka?)");
  InputTransform t;
  t.arithmetic = r.word("arithmetic", "caffe", {"caffe", "standardise"}) == "caffe"
                     ? InputTransform::Arithmetic::kCaffe
                     : InputTransform::Arithmetic::kStandardise;
  t.channels = r.get<int64_t>("channels", 3);
  t.channel_order = r.word("channel_order", "bgr", {"bgr", "rgb"});
  t.mean = r.word("mean", "none", {"none", "channel", "pixel"});
  if (t.mean == "channel") t.mean_values = r.get<std::vector<float>>("mean_values", {});
  if (t.mean == "pixel" && json.contains("mean_image")) t.mean_image = read_mean_image(r);
  t.pixel_scale = r.get<float>("pixel_scale", 1.0f);
  t.stddev = r.get<float>("stddev", 1.0f);
  t.resize = r.word("resize", "none", {"none", "shorter", "warp"});
  t.resize_to = r.get<int64_t>("resize_to", 0);
  t.crop = r.get<int64_t>("crop", 0);
  const auto input = r.get<std::vector<int64_t>>("input", {0, 0});
  if (input.size() != 2) r.fail("input", "must be [height, width]");
  t.input_height = input[0], t.input_width = input[1];
  t.mirror = r.get<bool>("mirror", false);
  t.force_color = r.get<bool>("force_color", false);
  t.force_gray = r.get<bool>("force_gray", false);
  check(t, r);
  return t;
}

std::optional<InputTransform> recorded_input_transform(const std::string& weights_path) {
  if (weights_path.empty() || !weights_path.ends_with(".safetensors")) return std::nullopt;
  const auto metadata = read_safetensors_metadata(weights_path);
  const auto it = metadata.find(kInputTransformKey);
  if (it == metadata.end()) return std::nullopt;
  return decode_input_transform(it->second, weights_path);
}

InputTransform from_caffe_transform(const CaffeTransform& caffe, int64_t channels) {
  InputTransform t;
  t.arithmetic = InputTransform::Arithmetic::kCaffe;
  t.channels = caffe.force_gray ? 1 : caffe.force_color ? 3 : channels;
  t.pixel_scale = caffe.scale;
  t.crop = caffe.crop_size;
  t.mirror = caffe.mirror;
  t.force_color = caffe.force_color;
  t.force_gray = caffe.force_gray;
  if (caffe.mean.defined()) {
    t.mean = "pixel";
    t.mean_image = caffe.mean.clone();
  } else if (!caffe.mean_value.empty()) {
    t.mean = "channel";
    t.mean_values = caffe.mean_value;
  }
  return t;
}

CaffeTransform to_caffe_transform(const InputTransform& t) {
  if (t.arithmetic != InputTransform::Arithmetic::kCaffe)
    throw ParamError("a standardising input transform (" + t.describe() +
                     ") is not Caffe's transform_param");
  CaffeTransform c{.scale = t.pixel_scale,
                   .mirror = t.mirror,
                   .crop_size = t.crop,
                   .force_color = t.force_color,
                   .force_gray = t.force_gray};
  if (t.mean == "channel") c.mean_value = t.mean_values;
  if (t.mean == "pixel") c.mean = t.mean_image;
  return c;
}

}  // namespace svertka
