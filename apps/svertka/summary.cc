// svertka summary --model NAME|FILE.prototxt|FILE.onnx [--input CxHxW] [--classes K]
//                 [--phase train|test]
// One row per layer: name, type, output shape, parameters, multiply-adds; then the totals.
#include <fmt/format.h>

#include "commands.h"
#include "model_files.h"
#include "model_options.h"
#include "svertka/error.h"
#include "svertka/io/model_loading.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

namespace svertka::cli {
namespace {

struct SummaryArgs {
  std::string model;
  std::string input;  // CxHxW
  int64_t classes = 1000;
  std::string phase = "test";
};

ModelOptions model_options(const SummaryArgs& args) {
  ModelOptions o;
  o.num_classes = args.classes;
  apply_input_size(args.input, o);
  return o;
}

void run_summary(const SummaryArgs& args) {
  if (args.phase != "train" && args.phase != "test")
    throw ParamError("--phase expects train or test, got '" + args.phase + "'");
  const Phase phase = args.phase == "train" ? Phase::kTrain : Phase::kTest;
  const NetSpec spec = import_model(args.model, model_options(args), phase).spec;
  fmt::print("{}", summary_table(describe_layers(spec, phase)));
}

}  // namespace

std::string summary_table(const std::vector<LayerInfo>& layers) {
  std::string table = fmt::format("{:<32} {:<16} {:<20} {:>14} {:>16}\n", "layer", "type", "output",
                                  "params", "MACs");
  int64_t params = 0, macs = 0;
  for (const LayerInfo& info : layers) {
    table += fmt::format("{:<32} {:<16} {:<20} {:>14} {:>16}\n", info.name, info.type,
                         info.output_shapes.at(0).str(), info.params, info.macs);
    params += info.params;
    macs += info.macs;
  }
  return table + fmt::format("total params: {}\ntotal MACs: {}\n", params, macs);
}

void add_summary_command(CLI::App& app) {
  auto args = std::make_shared<SummaryArgs>();
  CLI::App* cmd = app.add_subcommand("summary", "Print a model's layers, parameters and MACs");
  cmd->add_option("--model", args->model,
                  "Model name (alexnet, vgg11..vgg19, googlenet, lenet, alexnet_small), or a "
                  "Caffe .prototxt or .onnx file")
      ->required();
  cmd->add_option("--input", args->input, "Input size CxHxW (default: the model's native size)");
  cmd->add_option("--classes", args->classes, "Number of classes")->check(CLI::PositiveNumber);
  cmd->add_option("--phase", args->phase,
                  "test (default) or train (GoogLeNet: with auxiliary heads)");
  cmd->callback([args] { run_summary(*args); });
}

}  // namespace svertka::cli
