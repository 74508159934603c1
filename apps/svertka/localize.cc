#include "localize.h"

#include <fmt/format.h>

#include "model_options.h"
#include "progress.h"
#include "svertka/error.h"
#include "svertka/localize/localizer.h"
#include "svertka/solver/checkpoint.h"

namespace svertka::cli {
namespace {

// A box list (--train-list / --val-list: "path label x1 y1 x2 y2") or an XML annotation folder.
std::unique_ptr<BoxBatchSource> box_source(const std::string& list, const std::string& xml,
                                           const ImageDataArgs& image, const ModelInput& input,
                                           bool mirror, const std::string& mean) {
  BoxList boxes;
  if (!xml.empty()) {
    boxes = read_voc_folder(xml, image.root,
                            image.classes.empty() ? std::vector<std::string>{}
                                                  : read_class_list(image.classes));
  } else if (!list.empty()) {
    boxes = read_box_list(list, image.root, image.num_classes);
  } else {
    return nullptr;
  }
  return std::make_unique<BoxBatchSource>(
      std::move(boxes), image_source_options(image, input.crop, mirror, mean, input.channels));
}

void print_counts(const std::string& what, const LocalizationCounts& c) {
  fmt::print(
      "{}{} images: localisation error top-1 {:.2f}%  top-5 {:.2f}%  mean IoU {:.3f}\n", what,
      c.samples, 100 * c.top1_error(), 100 * c.top5_error(), c.mean_iou());
}

}  // namespace

void add_localize_options(CLI::App* cmd, LocalizeArgs& args, bool training) {
  cmd->add_option("--task", args.task,
                  "classify, or localize (box regression head; data from box lists or XML)")
      ->capture_default_str();
  cmd->add_flag("--per-class", args.per_class, "localize: one box per class (4K outputs)");
  if (training) {
    cmd->add_option("--box-loss-weight", args.box_loss_weight,
                    "localize: weight of the Euclidean box loss")
        ->capture_default_str();
    cmd->add_option("--train-xml", args.train_xml,
                    "localize: folder of PASCAL VOC / ImageNet XML files (images in --root)");
  }
  cmd->add_option("--val-xml", args.val_xml, "localize: validation XML annotation folder");
}

void run_localize_train(LocalizeTrainArgs args) {
  TrainConfig& c = args.config;
  if (c.model.empty() || is_model_file(c.model))
    throw ParamError("train --task localize needs a zoo model (--model)");
  const ModelInput input = model_input(c.model);
  auto train = box_source(args.image.train_list, args.localize.train_xml, args.image, input,
                          args.mirror, args.mean);
  if (!train) throw ParamError("train --task localize needs --train-list (boxes) or --train-xml");
  auto val =
      box_source(args.image.val_list, args.localize.val_xml, args.image, input, false, args.mean);
  fmt::print("{} training images of {} classes, {} validation images; {} regression\n",
             train->size(), train->num_classes(), val ? val->size() : 0,
             args.localize.per_class ? "per-class" : "single-class");
  c.schedule.kind = parse_schedule_kind(args.schedule);
  c.schedule.base_lr = args.lr;
  c.schedule.gamma = args.gamma;
  const int64_t updates = train->size() / c.batch * c.epochs;
  c.schedule.step_size = args.step_size > 0 ? args.step_size : std::max<int64_t>(1, updates / 3);
  ProgressBar bar("localize", "img");
  c.on_progress = [&](const TrainProgress& p) {
    bar.update(p.iteration * c.batch, p.iterations * c.batch,
               fmt::format("epoch {}/{} box loss {:.4f}", p.epoch + 1, p.epochs, p.loss));
  };
  LocalizeConfig config{.train = c,
                        .head = {.per_class = args.localize.per_class,
                                 .loss_weight = args.localize.box_loss_weight}};
  config.on_epoch = [&](int64_t epoch, double loss, const LocalizationCounts& v) {
    bar.finish();
    fmt::print("epoch {:>3}  box loss {:.5f}", epoch + 1, loss);
    if (v.samples)
      fmt::print("  val localisation error top-1 {:.2f}% top-5 {:.2f}% mean IoU {:.3f}",
                 100 * v.top1_error(), 100 * v.top5_error(), v.mean_iou());
    fmt::print("\n");
    std::fflush(stdout);
  };
  const LocalizeResult result = train_localizer(config, *train, val.get());
  if (result.validation.samples) print_counts("final: ", result.validation);
  if (!c.out_dir.empty()) fmt::print("weights: {}/weights.safetensors\n", c.out_dir);
}

void run_localize_eval(const std::string& model, const std::string& weights, int64_t batch,
                       const std::string& mean, const ImageDataArgs& image,
                       const LocalizeArgs& localize) {
  if (is_model_file(model)) throw ParamError("eval --task localize needs a zoo model (--model)");
  if (weights.empty()) throw ParamError("eval --task localize needs --weights");
  auto data =
      box_source(image.val_list, localize.val_xml, image, model_input(model, weights), false, mean);
  if (!data) throw ParamError("eval --task localize needs --val-list (boxes) or --val-xml");
  const ModelOptions options = model_options_for(*data, batch);
  const std::string logits = model_info(model).logits;
  const NetSpec spec = add_box_head(build_model(model, options), logits, options.num_classes,
                                    {.per_class = localize.per_class});
  Net net(spec, {.phase = Phase::kTest, .keep_blobs = {kBoxBlob, logits}});
  load_weights(weights, net);
  ProgressBar bar("eval", "img");
  const LocalizationCounts counts = evaluate_localizer(
      net, *data, logits, [&](int64_t done, int64_t total) { bar.update(done, total); });
  bar.finish();
  print_counts("", counts);
}

}  // namespace svertka::cli
