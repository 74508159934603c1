#include "localize.h"

#include <fmt/format.h>

#include <span>

#include "preprocessing.h"
#include "progress.h"
#include "svertka/error.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/solver/trainer.h"

namespace svertka::cli {
namespace {

struct Unsupported {
  const char* option;
  const char* why;
};

// What box data cannot honour, and where its data comes from instead.
constexpr Unsupported kTrainUnsupported[] = {
    {"--data", "box data comes from --train-list/--train-xml and --val-list/--val-xml"},
    {"--pad", "it shifts IDX images; box data is cropped by --scale/--crop"},
    {"--class-subset", "it selects IDX classes; box data takes --classes or --num-classes"},
    {"--skip-bad", "every image of a box list must decode (its boxes need its size)"},
};
constexpr Unsupported kEvalUnsupported[] = {
    {"--data", "box data comes from --val-list or --val-xml"},
    {"--crops", "localisation is measured on the plain centre view"},
    {"--scales", "localisation is measured at --scale only"},
    {"--pad", "it shifts IDX images; box data is cropped by --scale/--crop"},
    {"--out", "localisation writes no report files; its figures are printed"},
    {"--skip-bad", "every image of a box list must decode (its boxes need its size)"},
};

void print_counts(const std::string& what, int64_t samples, double top1_error, double top5_error,
                  double mean_iou) {
  fmt::print("{}{} images: localisation error top-1 {:.2f}%  top-5 {:.2f}%  mean IoU {:.3f}\n",
             what, samples, 100 * top1_error, 100 * top5_error, mean_iou);
}

double task_value(const EpochMetrics& m, const std::string& name) {
  for (const NamedValue& v : m.task)
    if (v.name == name) return v.value;
  return 0;
}

}  // namespace

void add_localize_options(CLI::App* cmd, LocalizeArgs& args, bool training) {
  cmd->add_option("--task", args.task,
                  "classify, or localize (box regression head; data from box lists or XML)")
      ->capture_default_str()
      ->check(CLI::IsMember({"classify", "localize"}));
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

void check_localize_options(const CLI::App& cmd, bool training) {
  const std::string command = training ? "train" : "eval";
  const std::span<const Unsupported> unsupported =
      training ? std::span<const Unsupported>(kTrainUnsupported) : kEvalUnsupported;
  for (const Unsupported& u : unsupported)
    if (cmd.count(u.option) > 0)
      throw ParamError(command + " --task localize cannot honour " + u.option + ": " + u.why);
}

std::unique_ptr<BoxBatchSource> box_source(const std::string& list, const std::string& xml,
                                           const ImageDataArgs& image,
                                           const ImageSourceOptions& options) {
  BoxList boxes;
  if (!xml.empty()) {
    boxes = read_voc_folder(
        xml, image.root,
        image.classes.empty() ? std::vector<std::string>{} : read_class_list(image.classes));
  } else if (!list.empty()) {
    boxes = read_box_list(list, image.root, image.num_classes);
  } else {
    return nullptr;
  }
  return std::make_unique<BoxBatchSource>(std::move(boxes), options);
}

void print_localize_epoch(const EpochMetrics& m, bool validated) {
  fmt::print("epoch {:>3}  iter {:>7}  loss {:.4f}  box loss {:.5f}  lr {:.3g}", m.epoch + 1,
             m.iteration, m.loss, task_value(m, "box_loss"), m.lr);
  if (validated)
    fmt::print("  val localisation error top-1 {:.2f}% top-5 {:.2f}% mean IoU {:.3f}",
               100 * m.val_top1_error, 100 * m.val_top5_error, task_value(m, "val_mean_iou"));
  fmt::print("  {:.0f}s\n", m.seconds);
  std::fflush(stdout);
}

void print_localize_final(const EpochMetrics& m, int64_t validation_size) {
  print_counts("final: ", validation_size, m.val_top1_error, m.val_top5_error,
               task_value(m, "val_mean_iou"));
}

void run_localize_eval(const std::vector<std::string>& models,
                       const std::vector<std::string>& weights, int64_t batch,
                       const std::string& mean, const ImageDataArgs& image,
                       const LocalizeArgs& localize) {
  if (models.size() != 1 || weights.size() > 1)
    throw ParamError("eval --task localize takes one --model and one --weights (" +
                     std::to_string(models.size()) + " models, " + std::to_string(weights.size()) +
                     " weights given): ensembles of box regressors are not supported");
  if (weights.empty()) throw ParamError("eval --task localize needs --weights");
  const std::string& model = models[0];
  // Prepared as the weights record, as eval prepares images (preprocessing.h).
  auto data = box_source(image.val_list, localize.val_xml, image,
                         eval_image_options(model_preprocessing(model, weights[0]), image, mean,
                                            model_input(model, weights[0]), "eval"));
  if (!data) throw ParamError("eval --task localize needs --val-list (boxes) or --val-xml");
  const ModelOptions options = model_options_for(*data, batch);
  // The weights file holds the box head too: it is read once the head is added.
  const ImportedModel classifier = load_model(model, "", {.model = options});
  const std::string& logits = classifier.logits;
  const NetSpec spec =
      add_box_head(classifier.spec, logits, options.num_classes, {.per_class = localize.per_class});
  Net net(spec, {.phase = Phase::kTest, .keep_blobs = {kBoxBlob, logits}});
  load_weights(weights[0], net);
  ProgressBar bar("eval", "img");
  const LocalizationCounts counts = evaluate_localizer(
      net, *data, logits, [&](int64_t done, int64_t total) { bar.update(done, total); });
  bar.finish();
  print_counts("", counts.samples, counts.top1_error(), counts.top5_error(), counts.mean_iou());
}

}  // namespace svertka::cli
