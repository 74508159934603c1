// Recipes (apps/svertka/recipe.h): the shipped ones parse and build their nets, errors name the
// file, line and key, the command line wins over the recipe, the Fashion-MNIST recipe trains and
// evaluates, and --seeds trains one run per seed and prints the ensemble's eval command.
#include "recipe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "data_options.h"
#include "eval_options.h"
#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/eval/views.h"
#include "svertka/io/model_loading.h"
#include "svertka/io/safetensors.h"
#include "svertka/net.h"
#include "svertka/solver/lr_schedule.h"
#include "synthetic_idx.h"
#include "train_options.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;
using cli::apply_recipe;
using cli::load_recipe;

const std::string kRecipes = std::string(SVERTKA_SOURCE_DIR) + "/recipes";

// train and eval options bound to args, as the CLI registers them.
struct Commands {
  CLI::App app;
  cli::TrainArgs train;
  cli::EvalArgs eval;
  CLI::App* train_cmd;
  CLI::App* eval_cmd;
  Commands() {
    train_cmd = app.add_subcommand("train");
    eval_cmd = app.add_subcommand("eval");
    cli::add_train_options(train_cmd, train);
    cli::add_eval_options(eval_cmd, eval);
  }
  // Parses a command line (without the program name) and applies the recipe it names.
  void parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
    if (app.got_subcommand(train_cmd) && !train.recipe.empty())
      apply_recipe(load_recipe(train.recipe), *train_cmd, cli::kRecipeTrain);
    if (app.got_subcommand(eval_cmd) && !eval.recipe.empty())
      apply_recipe(load_recipe(eval.recipe), *eval_cmd, cli::kRecipeEval);
  }
};

// The whole CLI, as main.cc registers it: parsing runs the command.
void run_cli(std::vector<std::string> args) {
  CLI::App app;
  cli::add_train_command(app);
  cli::add_eval_command(app);
  std::reverse(args.begin(), args.end());
  app.parse(args);
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}

TEST(Recipe, EveryKeyNamesAnOptionOfEachOfItsCommands) {
  Commands c;
  for (const cli::RecipeKey& key : cli::recipe_keys()) {
    if (key.commands & cli::kRecipeTrain) {
      EXPECT_NE(c.train_cmd->get_option_no_throw(key.flag()), nullptr) << "train " << key.flag();
    }
    if (key.commands & cli::kRecipeEval) {
      EXPECT_NE(c.eval_cmd->get_option_no_throw(key.flag()), nullptr) << "eval " << key.flag();
    }
  }
}

TEST(Recipe, ShippedRecipesParseAndBuildTheirNets) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kRecipes)) {
    if (entry.path().extension() != ".toml") continue;
    names.push_back(entry.path().filename().string());
    SCOPED_TRACE(entry.path().string());
    Commands c;
    c.parse({"train", "--recipe", entry.path().string()});
    c.parse({"eval", "--recipe", entry.path().string()});
    const cli::TrainArgs& t = c.train;
    EXPECT_EQ(c.eval.models, std::vector<std::string>{t.model});
    parse_schedule_kind(t.schedule);
    parse_crop_policy(c.eval.crops);
    // The transforms the recipe asks for are valid, and the net takes their crop.
    const int64_t crop = model_input(t.model).crop;
    const ImageSourceOptions image = cli::image_source_options(t.image, crop, t.mirror, t.mean);
    check_transform_options(image.transform);
    const ModelOptions options{.num_classes = t.image.num_classes > 0 ? t.image.num_classes : 1000,
                               .height = image.transform.crop,
                               .width = image.transform.crop,
                               .batch = t.config.loop.batch};
    const std::vector<LayerInfo> layers =
        describe_layers(build_model(t.model, options), Phase::kTrain);
    EXPECT_GT(layers.size(), 5u);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"alexnet.toml", "fashion-mnist.toml", "googlenet.toml",
                                             "vgg11.toml", "vgg16.toml"}));
}

TEST(Recipe, PaperRecipesHoldThePapersSettings) {
  Commands alexnet, vgg16, googlenet;
  alexnet.parse({"train", "--recipe", kRecipes + "/alexnet.toml"});
  alexnet.parse({"eval", "--recipe", kRecipes + "/alexnet.toml"});
  EXPECT_EQ(alexnet.train.config.loop.batch, 128);
  EXPECT_EQ(alexnet.train.config.solver.schedule.base_lr, 0.01);
  EXPECT_EQ(alexnet.train.config.solver.sgd.weight_decay, 5e-4);
  EXPECT_EQ(alexnet.train.schedule, "plateau");
  EXPECT_EQ(alexnet.train.image.pca, 0.1f);
  EXPECT_EQ(alexnet.train.image.crop, 227);
  EXPECT_EQ(alexnet.eval.crops, "10");

  vgg16.parse({"train", "--recipe", kRecipes + "/vgg16.toml"});
  vgg16.parse({"eval", "--recipe", kRecipes + "/vgg16.toml"});
  EXPECT_EQ(vgg16.train.config.loop.batch, 256);
  EXPECT_EQ(vgg16.train.config.solver.schedule.max_drops, 3);
  EXPECT_EQ(vgg16.train.image.scale, 256);
  EXPECT_EQ(vgg16.train.image.scale_max, 512);
  EXPECT_EQ(
      vgg16.train.config.init_from.layers,
      (std::vector<std::string>{"conv1_1", "conv2_1", "conv3_1", "conv3_2", "fc6", "fc7", "fc8"}));
  EXPECT_EQ(vgg16.eval.crops, "dense");
  EXPECT_EQ(vgg16.eval.scales, (std::vector<int64_t>{256, 384, 512}));

  googlenet.parse({"train", "--recipe", kRecipes + "/googlenet.toml"});
  googlenet.parse({"eval", "--recipe", kRecipes + "/googlenet.toml"});
  EXPECT_EQ(googlenet.train.schedule, "poly");
  EXPECT_EQ(googlenet.train.config.solver.schedule.power, 0.5);
  EXPECT_EQ(googlenet.train.image.crop_area, (std::vector<double>{0.08, 1.0}));
  EXPECT_EQ(googlenet.eval.crops, "144");
  EXPECT_EQ(googlenet.eval.scales, (std::vector<int64_t>{256, 288, 320, 352}));
}

TEST(Recipe, TheCommandLineOverridesTheRecipe) {
  TempDir dir;
  const std::string recipe =
      write_file(dir, "r.toml",
                 "model = \"lenet\"\n[solver]\nepochs = 3\nlr = 0.05\n"
                 "milestones = [10, 20]\nnesterov = true\n[augment]\nmirror = false\n");
  Commands c;
  c.parse({"train", "--recipe", recipe, "--epochs", "7", "--milestones", "5"});
  EXPECT_EQ(c.train.model, "lenet");
  EXPECT_EQ(c.train.config.loop.epochs, 7);
  EXPECT_EQ(c.train.config.solver.schedule.base_lr, 0.05);
  EXPECT_EQ(c.train.config.solver.schedule.milestones, std::vector<int64_t>{5});
  EXPECT_FALSE(c.train.mirror);
  EXPECT_TRUE(c.train.nesterov);
}

TEST(Recipe, ErrorsNameTheFileTheLineAndTheKey) {
  TempDir dir;
  auto error_of = [&](const std::string& text) -> std::string {
    const std::string path = write_file(dir, "bad.toml", text);
    try {
      Commands c;
      c.parse({"train", "--recipe", path});
    } catch (const ParamError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string file = dir / "bad.toml";
  // Unknown keys: in a section, at the top level (with where it belongs), an unknown section.
  std::string message = error_of("model = \"lenet\"\n[solver]\nlr = 0.1\nlearning_rate = 0.1\n");
  EXPECT_NE(message.find(file + ":4"), std::string::npos) << message;
  EXPECT_NE(message.find("learning_rate"), std::string::npos) << message;
  message = error_of("lr = 0.1\n");
  EXPECT_NE(message.find(file + ":1"), std::string::npos) << message;
  EXPECT_NE(message.find("belongs in [solver]"), std::string::npos) << message;
  message = error_of("[optimiser]\nlr = 0.1\n");
  EXPECT_NE(message.find("[optimiser]"), std::string::npos) << message;
  // Wrong types.
  message = error_of("[solver]\n\nlr = \"fast\"\n");
  EXPECT_NE(message.find(file + ":3"), std::string::npos) << message;
  EXPECT_NE(message.find("[solver] lr expects a number"), std::string::npos) << message;
  message = error_of("[solver]\nepochs = 2.5\n");
  EXPECT_NE(message.find("[solver] epochs expects an integer"), std::string::npos) << message;
  message = error_of("[augment]\ncrop_area = [0.08, \"all\"]\n");
  EXPECT_NE(message.find("[augment] crop_area expects an array of numbers"), std::string::npos)
      << message;
  // Values the option rejects.
  message = error_of("[solver]\nepochs = -3\n");
  EXPECT_NE(message.find(file + ":2: [solver] epochs = -3"), std::string::npos) << message;
  message = error_of("[solver]\nmomentum = 1.5\n");
  EXPECT_NE(message.find(file + ":2: [solver] momentum = 1.5"), std::string::npos) << message;
  message = error_of("[solver]\nschedule = \"cosine\"\n");
  EXPECT_NE(message.find("[solver] schedule"), std::string::npos) << message;
  EXPECT_NE(message.find("cosine"), std::string::npos) << message;
  message = error_of("[augment]\ncrop_area = [0.08, 1.5]\n");
  EXPECT_NE(message.find(file + ":2: [augment] crop_area"), std::string::npos) << message;
  // TOML syntax.
  message = error_of("[solver]\nlr = = 1\n");
  EXPECT_NE(message.find(file + ":2"), std::string::npos) << message;
  // Eval's protocol is checked by eval's option.
  const std::string path = write_file(dir, "eval.toml", "[eval]\ncrops = \"12\"\n");
  Commands c;
  SVERTKA_EXPECT_THROW_WITH(c.parse({"eval", "--recipe", path}), ParamError,
                            ":2: [eval] crops = '12'");
}

// A small IDX dataset in a temporary folder, for the runs below.
class RecipeRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_idx(dir_.path(), "train", synthetic_idx(128, 1));
    write_idx(dir_.path(), "t10k", synthetic_idx(32, 2));
  }
  TempDir dir_;
  const std::string recipe_ = kRecipes + "/fashion-mnist.toml";
};

TEST_F(RecipeRunTest, TheFashionMnistRecipeTrainsAndEvaluates) {
  const std::string run = dir_ / "run";
  run_cli({"train", "--recipe", recipe_, "--data", dir_.path(), "--max-iter", "2", "--out", run});
  const SafetensorsContents weights = load_safetensors(run + "/weights.safetensors");
  EXPECT_EQ(weights.metadata.at("model"), "alexnet_small");
  EXPECT_TRUE(fs::exists(run + "/metrics.jsonl"));
  run_cli({"eval", "--recipe", recipe_, "--data", dir_.path(), "--weights",
           run + "/weights.safetensors", "--out", dir_ / "eval"});
  EXPECT_TRUE(fs::exists(dir_ / "eval/metrics.json"));
}

TEST_F(RecipeRunTest, SeedsTrainOneRunEachAndPrintTheEnsemblesEvalCommand) {
  const std::string out = dir_ / "ensemble";
  ::testing::internal::CaptureStdout();
  run_cli({"train", "--recipe", recipe_, "--data", dir_.path(), "--max-iter", "1", "--seeds", "3,4",
           "--out", out});
  const std::string printed = ::testing::internal::GetCapturedStdout();
  const SafetensorsContents a = load_safetensors(out + "/seed3/weights.safetensors");
  const SafetensorsContents b = load_safetensors(out + "/seed4/weights.safetensors");
  ASSERT_EQ(a.tensors[0].name, b.tensors[0].name);
  EXPECT_NE(std::memcmp(a.tensors[0].tensor.data(), b.tensors[0].tensor.data(),
                        a.tensors[0].tensor.bytes()),
            0)
      << "the seeds should initialise differently";
  const std::string expected = "svertka eval --recipe " + recipe_ + " --data " + dir_.path() +
                               " --weights " + out + "/seed3/weights.safetensors," + out +
                               "/seed4/weights.safetensors";
  const size_t at = printed.find(expected);
  ASSERT_NE(at, std::string::npos) << printed;
  // The printed command runs.
  std::vector<std::string> args;
  std::stringstream words(printed.substr(at + std::string("svertka ").size(),
                                         expected.size() - std::string("svertka ").size()));
  for (std::string word; words >> word;) args.push_back(word);
  args.insert(args.end(), {"--out", dir_ / "ensemble_eval"});
  run_cli(args);
  EXPECT_TRUE(fs::exists(dir_ / "ensemble_eval/metrics.json"));
}

}  // namespace
}  // namespace svertka::testing
