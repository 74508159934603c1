#include "preprocessing.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>

#include "model_options.h"
#include "svertka/data/image_stats.h"
#include "svertka/data/imagenet.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka::cli {
namespace {

using Arithmetic = InputTransform::Arithmetic;

constexpr const char* kPreprocessingOptions[] = {
    "--mean",          "--mean-value", "--mean-file", "--pixel-scale", "--channel-order",
    "--channels",      "--resize",     "--scale",     "--crop",        "--stats"};

bool given(const ImageDataArgs& a, const std::string& name) { return a.given.count(name) > 0; }
bool mean_is_file(const std::string& mean) { return mean.ends_with(".binaryproto"); }

void note(const std::string& command, const std::string& text) {
  if (command.empty()) return;  // training: nothing to override
  fmt::print(stderr, "{}: {}\n", command, text);
}

// The options given over a record, each override noted. "channel" and "pixel" means asked for by
// --mean come without values: the caller fills them from the data's statistics.
InputTransform overridden(InputTransform t, const ImageDataArgs& a, const std::string& mean,
                          const std::string& command, bool idx) {
  const auto says = [&](const std::string& option, const std::string& value) {
    note(command, option + " " + value + " overrides the model's preprocessing");
  };
  if (idx && t.arithmetic == Arithmetic::kStandardise && idx_uses_caffe(a, mean)) {
    t = InputTransform{.arithmetic = Arithmetic::kCaffe, .channels = 1,
                       .input_height = t.input_height, .input_width = t.input_width};
    note(command, "Caffe's arithmetic, (pixel - mean) * scale, in place of the standardisation");
  }
  if (given(a, "--mean")) {
    t.mean_values.clear(), t.mean_image = Tensor();
    t.mean = mean_is_file(mean) ? "pixel" : mean;
    if (mean_is_file(mean)) t.mean_image = load_caffe_mean(mean);
    says("--mean", mean);
  }
  if (given(a, "--mean-file")) {
    t.mean = "pixel", t.mean_values.clear(), t.mean_image = load_caffe_mean(a.mean_file);
    says("--mean-file", a.mean_file);
  }
  if (given(a, "--mean-value")) {
    t.mean = "channel", t.mean_image = Tensor(), t.mean_values = a.mean_value;
    says("--mean-value", fmt::format("{}", fmt::join(a.mean_value, ",")));
  }
  if (given(a, "--pixel-scale")) t.pixel_scale = a.pixel_scale, says("--pixel-scale", fmt::format("{}", a.pixel_scale));
  if (given(a, "--channel-order")) t.channel_order = a.order, says("--channel-order", a.order);
  if (given(a, "--channels")) t.channels = a.channels, says("--channels", std::to_string(a.channels));
  if (given(a, "--resize")) t.resize = a.resize, says("--resize", a.resize);
  if (given(a, "--scale")) t.resize_to = a.scale, says("--scale", std::to_string(a.scale));
  if (given(a, "--crop")) t.crop = a.crop, says("--crop", std::to_string(a.crop));
  return t;
}

// The (1,H,W) digits of one split; the training split's when `train`.
IdxDataset load_idx_part(const std::string& folder, bool train) {
  const IdxSplitPaths paths = find_idx_files(folder, /*test_only=*/!train);
  return train ? load_idx_dataset(paths.train_images, paths.train_labels)
               : load_idx_dataset(paths.test_images, paths.test_labels);
}

Tensor plane_tensor(const std::vector<float>& values, int64_t rows, int64_t cols) {
  Tensor t(Shape{1, rows, cols});
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

// A record's Caffe transform for IDX digits, its missing means from the training set (raw units).
CaffeTransform idx_caffe(const InputTransform& t, const std::string& folder) {
  CaffeTransform c = to_caffe_transform(t);
  c.mirror = false;
  if ((t.mean == "channel" && t.mean_values.empty()) || (t.mean == "pixel" && !t.mean_image.defined())) {
    const IdxDataset train = load_idx_part(folder, true);
    if (t.mean == "channel") c.mean_value = {mean_pixel(train, 1.0f)};
    if (t.mean == "pixel")
      c.mean = plane_tensor(mean_image(train, 1.0f), train.images.rows, train.images.cols);
  }
  return c;
}

// A standardising record as the normalisation, its missing mean from the training set.
Normalization idx_normalization(const InputTransform& t, const std::string& folder) {
  Normalization n{.scale = t.pixel_scale, .stddev = t.stddev};
  if (t.mean == "channel" && !t.mean_values.empty()) n.mean = t.mean_values[0];
  if (t.mean == "pixel" && t.mean_image.defined())
    n.mean_image.assign(t.mean_image.data(), t.mean_image.data() + t.mean_image.numel());
  if ((t.mean == "channel" && t.mean_values.empty()) || (t.mean == "pixel" && n.mean_image.empty())) {
    const IdxDataset train = load_idx_part(folder, true);
    n.mean = mean_pixel(train, n.scale);
    if (t.mean == "pixel") n.mean_image = mean_image(train, n.scale);
  }
  return n;
}

// R, G, B (or grey) from values in the record's channel order.
std::array<float, 3> rgb_mean(const InputTransform& t) {
  const std::vector<float>& v = t.mean_values;
  if (t.channels == 1 || v.size() == 1) return t.channels == 1 ? std::array<float, 3>{v[0], 0, 0}
                                                               : std::array<float, 3>{v[0], v[0], v[0]};
  return t.channel_order == "bgr" ? std::array<float, 3>{v[2], v[1], v[0]}
                                  : std::array<float, 3>{v[0], v[1], v[2]};
}

// Planes in reverse order: B,G,R <-> R,G,B.
Tensor reversed_planes(const Tensor& image) {
  if (image.shape()[0] != 3) return image;
  Tensor out(image.shape());
  const int64_t plane = image.numel() / 3;
  for (int64_t c = 0; c < 3; ++c)
    std::copy(image.data() + c * plane, image.data() + (c + 1) * plane,
              out.data() + (2 - c) * plane);
  return out;
}

ImageSourceOptions image_options_from(InputTransform t, const ImageDataArgs& a,
                                      const ModelInput& input) {
  if (t.channels == 0) t.channels = input.channels;  // as the model takes them
  if (t.arithmetic != Arithmetic::kCaffe)
    throw ParamError("images take Caffe's arithmetic, not a standardisation (" + t.describe() + ")");
  ImageSourceOptions o;
  ImageTransformOptions& x = o.transform;
  x.channels = t.channels;
  x.resize = t.resize == "warp" ? ResizeMode::kWarp : ResizeMode::kShorterSide;
  x.scale_min = x.scale_max = t.resize_to > 0 ? t.resize_to : a.scale;
  x.crop = t.crop > 0 ? t.crop : t.input_height > 0 ? t.input_height : input.crop;
  x.mirror = false;
  x.scale = t.pixel_scale;
  x.order = t.channel_order == "rgb" ? ChannelOrder::kRgb : ChannelOrder::kBgr;
  x.channel_mean = {};
  const bool stats_needed = (t.mean == "channel" && t.mean_values.empty()) ||
                            (t.mean == "pixel" && !t.mean_image.defined());
  if (stats_needed) {
    std::optional<ImageStats> stats;
    if (!a.stats.empty()) stats = load_image_stats(a.stats);
    if (t.mean == "pixel" && !stats)
      throw ParamError("--mean pixel needs the mean image: --stats FILE (from `svertka mean`)");
    x.channel_mean = stats ? stats->channel_mean : kImageNetMean;
    if (t.mean == "pixel") x.mean_image = stats->mean_image;
    if (x.channels == 1) {
      x.channel_mean = {grey_mean(x.channel_mean), 0, 0};
      if (x.mean_image.defined()) x.mean_image = grey_mean_image(x.mean_image);
    }
  } else if (t.mean == "channel") {
    x.channel_mean = rgb_mean(t);
  } else if (t.mean == "pixel") {
    x.mean_image = t.channel_order == "bgr" ? reversed_planes(t.mean_image) : t.mean_image;
  }
  o.skip_bad = a.skip_bad;
  return o;
}

}  // namespace

std::optional<Preprocessing> data_layer_preprocessing(const std::string& model, Phase first) {
  if (!model.ends_with(".prototxt")) return std::nullopt;
  const std::vector<CaffeDataLayer> layers = load_caffe_data_layers(model);
  const Phase second = first == Phase::kTest ? Phase::kTrain : Phase::kTest;
  for (const Phase phase : {first, second})
    for (const CaffeDataLayer& layer : layers)
      if (layer.phase == phase) {
        // 0: as the data gives them (a Data layer without crop_size knows no image size).
        int64_t channels = 0;
        try {
          channels = model_input(model, "", phase).channels;
        } catch (const Error&) {
        }
        return Preprocessing{from_caffe_transform(layer.transform, channels),
                             "preprocessing from the transform_param of " + model + "'s " +
                                 (phase == Phase::kTest ? "TEST" : "TRAIN") + " Data layer '" +
                                 layer.name + "'"};
      }
  return std::nullopt;
}

Preprocessing model_preprocessing(const std::string& model, const std::string& weights) {
  if (auto recorded = recorded_input_transform(weights))
    return {std::move(recorded), "preprocessing recorded in " + weights};
  if (auto layer = data_layer_preprocessing(model, Phase::kTest)) return std::move(*layer);
  return {std::nullopt, "no preprocessing recorded in " +
                            (weights.empty() ? model : weights) +
                            " (an older svertka file, or a Caffe or ONNX model)"};
}

void note_given_options(const CLI::App& cmd, ImageDataArgs& args) {
  for (const char* name : kPreprocessingOptions) {
    const CLI::Option* option = cmd.get_option_no_throw(name);
    if (option && option->count() > 0) args.given.insert(name);
  }
}

bool idx_uses_caffe(const ImageDataArgs& a, const std::string& mean) {
  return given(a, "--pixel-scale") || given(a, "--mean-value") || given(a, "--mean-file") ||
         (given(a, "--mean") && (mean == "none" || mean_is_file(mean)));
}

std::unique_ptr<BatchSource> idx_eval_source(const std::string& folder, bool train_split,
                                             const Preprocessing& p, const ImageDataArgs& args,
                                             const std::string& mean, const std::string& command) {
  if (!p.base && !idx_uses_caffe(args, mean)) {
    note(command, p.origin + "; svertka's IDX default: pixels / 255, standardised by the training "
                             "set's mean and deviation (--mean " + mean + ")");
    IdxSplit split = load_idx_split(folder, {}, parse_mean_subtraction(mean));
    return std::move(train_split ? split.train : split.test);
  }
  if (p.base) note(command, p.origin + ": " + p.base->describe());
  else note(command, p.origin + "; Caffe's arithmetic from the options");
  const InputTransform base = p.base ? *p.base : InputTransform{.channels = 1};
  InputTransform t = overridden(base, args, mean, command, /*idx=*/true);
  if (t.channels == 0) t.channels = 1;  // as the data: grey digits
  if (t.channels != 1)
    throw ParamError("IDX digits have 1 channel; the preprocessing wants " +
                     std::to_string(t.channels));
  IdxDataset data = load_idx_part(folder, train_split);
  if (t.arithmetic == Arithmetic::kCaffe)
    return std::make_unique<IdxBatchSource>(std::move(data), idx_caffe(t, folder));
  return std::make_unique<IdxBatchSource>(std::move(data), idx_normalization(t, folder),
                                          SmallImageAugment{});
}

ImageSourceOptions eval_image_options(const Preprocessing& p, const ImageDataArgs& args,
                                      const std::string& mean, const ModelInput& input,
                                      const std::string& command) {
  const bool caffe_options = given(args, "--mean-file") || given(args, "--mean-value") ||
                             mean_is_file(mean);
  if (!p.base && !caffe_options) {
    note(command, p.origin + "; svertka's defaults for images (--mean " + mean + ", " +
                      args.order + ", --pixel-scale " + fmt::format("{}", args.pixel_scale) +
                      ", shorter side " + std::to_string(args.scale) + ", centre crop)");
    return image_source_options(args, input.crop, false, mean, input.channels);
  }
  InputTransform base{.channels = input.channels, .channel_order = args.order,
                      .mean = mean_is_file(mean) ? "pixel" : mean, .pixel_scale = args.pixel_scale,
                      .resize = args.resize, .resize_to = args.scale,
                      .crop = args.crop > 0 ? args.crop : input.crop};
  if (p.base) {
    base = *p.base;
    note(command, p.origin + ": " + base.describe());
  } else {
    note(command, p.origin + "; Caffe's transform from the options");
  }
  return image_options_from(overridden(base, args, mean, command, false), args, input);
}

CaffeTransform eval_lmdb_transform(const Preprocessing& p, const ImageDataArgs& args,
                                   const std::string& mean, const std::string& command) {
  InputTransform base{.pixel_scale = args.pixel_scale, .crop = args.crop};
  if (p.base) {
    base = *p.base;
    note(command, p.origin + ": " + base.describe());
  } else {
    note(command, p.origin + "; Caffe's transform from the options (--pixel-scale, --mean-file, "
                             "--mean-value, --crop)");
  }
  const InputTransform t = overridden(base, args, mean, command, false);
  if ((t.mean == "channel" && t.mean_values.empty()) || (t.mean == "pixel" && !t.mean_image.defined()))
    throw ParamError("LMDB data: give the mean's values, --mean-value V[,V,V] or --mean "
                     "FILE.binaryproto");
  CaffeTransform c = to_caffe_transform(t);
  c.mirror = false;
  return c;
}

InputTransform image_record(const ImageTransformOptions& x, const std::string& mean) {
  InputTransform t{.channels = x.channels,
                   .channel_order = x.order == ChannelOrder::kRgb ? "rgb" : "bgr",
                   .mean = mean,
                   .pixel_scale = x.scale,
                   .resize = x.resize == ResizeMode::kWarp ? "warp" : "shorter",
                   .resize_to = x.scale_min,
                   .crop = x.crop,
                   .input_height = x.crop,
                   .input_width = x.crop,
                   .mirror = x.mirror};
  const std::array<float, 3>& m = x.channel_mean;
  if (mean == "channel")
    t.mean_values = x.channels == 1 ? std::vector<float>{m[0]}
                    : t.channel_order == "bgr" ? std::vector<float>{m[2], m[1], m[0]}
                                               : std::vector<float>{m[0], m[1], m[2]};
  if (mean == "pixel")
    t.mean_image = t.channel_order == "bgr" ? reversed_planes(x.mean_image) : x.mean_image.clone();
  return t;
}

InputTransform idx_record(const IdxBatchSource& source) {
  const IdxImages& im = source.dataset().images;
  InputTransform t;
  if (const auto& caffe = source.caffe_transform()) {
    t = from_caffe_transform(*caffe, 1);
  } else {
    const Normalization& n = source.normalization();
    t = InputTransform{.arithmetic = Arithmetic::kStandardise, .channels = 1,
                       .pixel_scale = n.scale, .stddev = n.stddev};
    t.mean = n.mean_image.empty() ? "channel" : "pixel";
    if (n.mean_image.empty()) t.mean_values = {n.mean};
    else t.mean_image = plane_tensor(n.mean_image, im.rows, im.cols);
  }
  const Shape sample = source.sample_shape();
  t.input_height = sample[1], t.input_width = sample[2];
  return t;
}

CaffeTransform idx_caffe_transform(const std::string& folder, const InputTransform& base,
                                   const ImageDataArgs& args, const std::string& mean,
                                   bool mirror) {
  InputTransform t = overridden(base, args, mean, "", true);
  t.mirror = mirror;
  CaffeTransform c = idx_caffe(t, folder);
  c.mirror = mirror;
  return c;
}

}  // namespace svertka::cli
