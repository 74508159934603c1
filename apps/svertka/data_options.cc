#include "data_options.h"

#include <fmt/format.h>

#include <thread>

#include "option_checks.h"
#include "svertka/data/imagenet.h"
#include "svertka/error.h"

namespace svertka::cli {

void add_image_data_options(CLI::App* cmd, ImageDataArgs& args, bool training) {
  if (training)
    cmd->add_option("--train-list", args.train_list, "Training images: 'path label' per line");
  cmd->add_option("--val-list", args.val_list, "Validation images: 'path label' per line");
  cmd->add_option("--root", args.root, "Folder the list paths are relative to (default: the list's)");
  cmd->add_option("--classes", args.classes,
                  "Class list for image folders (synset_words.txt: first word = folder name)");
  cmd->add_option("--num-classes", args.num_classes,
                  "Classes (default: the class folders, or the largest label + 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--stats", args.stats, "Means and colour eigenpairs from `svertka mean`");
  cmd->add_option("--resize", args.resize, "shorter (side to S, keep aspect) or warp (SxS)")
      ->capture_default_str()
      ->check(parses_with(parse_resize_mode, "MODE"));
  cmd->add_option("--scale", args.scale, "S: resize target (smallest S when jittering)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--crop", args.crop, "Crop size (default: the model's input size)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--channels", args.channels,
                  "Image channels: 1 (greyscale) or 3 (colour) (default: the model's input)")
      ->check(CLI::IsMember({1, 3}));
  cmd->add_option("--channel-order", args.order, "bgr (Caffe models) or rgb (PyTorch)")
      ->capture_default_str()
      ->check(CLI::IsMember({"bgr", "rgb"}));
  cmd->add_option("--pixel-scale", args.pixel_scale, "Factor applied after mean subtraction")
      ->capture_default_str();
  cmd->add_option("--workers", args.workers, "Threads decoding images (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--skip-bad", args.skip_bad, "Skip images that cannot be decoded; list them");
  cmd->add_option("--mean-file", args.mean_file,
                  "Caffe mean file (mean.binaryproto) subtracted before --pixel-scale (LMDB and "
                  "IDX data; eval, predict and extract: any data)");
  cmd->add_option("--mean-value", args.mean_value,
                  "Caffe mean_value, one or one per channel in the input's order (e.g. "
                  "104,117,123: B, G, R) (LMDB and IDX data; eval, predict and extract: any data)")
      ->delimiter(',');
  if (!training) return;
  cmd->add_option("--scale-max", args.scale_max, "Largest S: scale jitter S in [scale, scale-max]")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--pca-colour", args.pca, "AlexNet PCA colour augmentation std (0.1; 0: off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--crop-area", args.crop_area,
                  "GoogLeNet's sampling: random patches of MIN,MAX of the image area (0.08,1), "
                  "resized to the crop, instead of resizing to S and cropping")
      ->delimiter(',')
      ->expected(2)
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--crop-aspect", args.crop_aspect,
                  "Aspect ratios MIN,MAX (width / height) of those patches")
      ->delimiter(',')
      ->expected(2)
      ->check(CLI::PositiveNumber);
  cmd->add_option("--colour-jitter", args.colour_jitter,
                  "Photometric distortions: brightness, contrast, saturation x U[1-s, 1+s] (0.4; "
                  "0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--prefetch", args.prefetch, "Batches decoded ahead")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

CLI::Validator mean_option_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (value == "channel" || value == "pixel" || value == "none" ||
            value.ends_with(".binaryproto"))
          return {};
        return "--mean expects channel, pixel, none or FILE.binaryproto, got '" + value + "'";
      },
      "MEAN");
}

int resolved_workers(const ImageDataArgs& args) {
  if (args.workers > 0) return args.workers;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

ResizeMode parse_resize_mode(const std::string& text) {
  if (text == "shorter") return ResizeMode::kShorterSide;
  if (text == "warp") return ResizeMode::kWarp;
  throw ParamError("--resize expects shorter or warp, got '" + text + "'");
}

ImageSourceOptions image_source_options(const ImageDataArgs& args, int64_t default_crop,
                                        bool mirror, const std::string& mean, int64_t channels) {
  if (!args.mean_file.empty() || !args.mean_value.empty())
    throw ParamError("--mean-file and --mean-value are for Caffe LMDB data; image data takes "
                     "--mean and --stats");
  ImageSourceOptions o;
  ImageTransformOptions& t = o.transform;
  t.channels = args.channels > 0 ? args.channels : channels;
  t.resize = parse_resize_mode(args.resize);
  t.scale_min = args.scale;
  t.scale_max = args.scale_max > 0 ? args.scale_max : args.scale;
  t.crop = args.crop > 0 ? args.crop : default_crop;
  t.mirror = mirror;
  t.pca_std = args.pca;
  t.colour_jitter = args.colour_jitter;
  if (!args.crop_area.empty()) {
    if (args.crop_area.size() != 2 || args.crop_aspect.size() != 2)
      throw ParamError("--crop-area and --crop-aspect expect MIN,MAX");
    t.area_crop = {.enabled = true,
                   .area_min = args.crop_area[0],
                   .area_max = args.crop_area[1],
                   .aspect_min = args.crop_aspect[0],
                   .aspect_max = args.crop_aspect[1]};
  }
  t.scale = args.pixel_scale;
  if (args.order == "bgr") {
    t.order = ChannelOrder::kBgr;
  } else if (args.order == "rgb") {
    t.order = ChannelOrder::kRgb;
  } else {
    throw ParamError("--channel-order expects bgr or rgb, got '" + args.order + "'");
  }
  t.channel_mean = kImageNetMean;
  t.pca = ColourPca{kImageNetPcaEigenvalues, kImageNetPcaEigenvectors};
  if (!args.stats.empty()) {
    const ImageStats stats = load_image_stats(args.stats);
    t.channel_mean = stats.channel_mean;
    t.pca = stats.pca;
    if (mean == "pixel") t.mean_image = stats.mean_image;
  } else if (mean == "pixel") {
    throw ParamError("--mean pixel needs the mean image: --stats FILE (from `svertka mean`)");
  }
  if (mean == "none") {
    t.channel_mean = {};
  } else if (mean != "channel" && mean != "pixel") {
    throw ParamError("--mean expects channel, pixel or none, got '" + mean + "'");
  }
  if (t.channels == 1) {
    t.channel_mean = {grey_mean(t.channel_mean), 0, 0};
    if (t.mean_image.defined()) t.mean_image = grey_mean_image(t.mean_image);
  }
  o.skip_bad = args.skip_bad;
  return o;
}

DatasetLocation dataset_location(const ImageDataArgs& args, const std::string& data) {
  return {.data = data,
          .train_list = args.train_list,
          .val_list = args.val_list,
          .root = args.root,
          .classes = args.classes,
          .num_classes = args.num_classes};
}

void report_skipped(const std::string& what, const std::vector<std::string>& skipped) {
  if (skipped.empty()) return;
  fmt::print("{}: skipped {} image(s) that could not be decoded:\n", what, skipped.size());
  for (const std::string& s : skipped) fmt::print("  {}\n", s);
}

}  // namespace svertka::cli
