// A model is evaluated as it was trained: the input transform record (input_transform.h) that
// training writes into its weights and checkpoints, the preprocessing eval applies from it or from
// a train_val prototxt's transform_param (apps/svertka/preprocessing.h), and a Caffe-trained LeNet
// scoring what `caffe test` says (tests/fixtures/caffe_lenet_eval, tools/caffe_lenet_reference.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "image_test_helpers.h"
#include "predict.h"
#include "preprocessing.h"
#include "svertka/data/input_transform.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"
#include "synthetic_idx.h"

namespace svertka::testing {
namespace {

const std::string kFixtures = SVERTKA_SOURCE_DIR "/tests/fixtures/caffe_lenet_eval";

// The whole CLI, as main.cc registers it: parsing runs the command.
void run_cli(std::vector<std::string> args) {
  CLI::App app;
  cli::add_train_command(app);
  cli::add_eval_command(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
}

// `svertka eval ARGS --out DIR`'s metrics.json, the first member's figures.
nlohmann::json eval_metrics(std::vector<std::string> args, const TempDir& dir,
                            const std::string& name) {
  args.insert(args.begin(), "eval");
  args.insert(args.end(), {"--out", dir / name});
  run_cli(args);
  std::ifstream in(dir / name + "/metrics.json");
  const nlohmann::json metrics = nlohmann::json::parse(in);
  return metrics.contains("members") ? metrics.at("members").at(0) : metrics;
}

nlohmann::json expected_caffe_test() {
  std::ifstream in(kFixtures + "/expected.json");
  return nlohmann::json::parse(in);
}

void expect_caffe_test_figures(const nlohmann::json& got, const nlohmann::json& caffe) {
  EXPECT_EQ(got.at("images").get<int64_t>(), caffe.at("images").get<int64_t>());
  // The accuracy to the image, the loss within float tolerance.
  EXPECT_EQ(got.at("top1_correct").get<int64_t>(), caffe.at("correct").get<int64_t>());
  EXPECT_NEAR(1.0 - got.at("top1_error").get<double>(), caffe.at("accuracy").get<double>(), 1e-6);
  EXPECT_NEAR(got.at("loss").get<double>(), caffe.at("loss").get<double>(),
              2e-5 * std::max(1.0, caffe.at("loss").get<double>()));
}

TEST(InputTransform, RecordRoundTripsThroughJson) {
  InputTransform t{.arithmetic = InputTransform::Arithmetic::kCaffe,
                   .channels = 3,
                   .channel_order = "rgb",
                   .mean = "pixel",
                   .mean_image = Tensor(Shape{3, 2, 2}),
                   .pixel_scale = 0.017f,
                   .resize = "warp",
                   .resize_to = 256,
                   .crop = 227,
                   .input_height = 227,
                   .input_width = 227,
                   .mirror = true};
  for (int64_t i = 0; i < 12; ++i) t.mean_image[i] = 100.125f + float(i) / 3;
  const InputTransform back = decode_input_transform(encode_input_transform(t), "test");
  EXPECT_EQ(back.describe(), t.describe());
  EXPECT_EQ(back.mean_image.shape(), t.mean_image.shape());
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(back.mean_image[i], t.mean_image[i]);  // exactly
  EXPECT_EQ(back.pixel_scale, t.pixel_scale);
  EXPECT_EQ(back.resize, "warp");
  EXPECT_TRUE(back.mirror);
}

TEST(InputTransform, BadRecordsAreIoErrorsNamingTheFile) {
  for (const std::string& bad :
       {std::string("not json"), std::string("[1]"), std::string(R"({"version": 2})"),
        std::string(R"({"version": 1, "arithmetic": "torch"})"),
        std::string(R"({"version": 1, "channels": 2})"),
        std::string(R"({"version": 1, "mean": "channel"})"),
        std::string(R"({"version": 1, "mean": "pixel"})"),
        std::string(R"({"version": 1, "pixel_scale": -1})"),
        std::string(R"({"version": 1, "pixel_scale": "big"})"),
        std::string(R"({"version": 1, "mean": "pixel", "mean_image": {"shape": [1, 2, 2], "values": [1]}})")}) {
    try {
      decode_input_transform(bad, "w.safetensors");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("w.safetensors"), std::string::npos) << e.what();
    }
  }
}

// tests/fixtures/caffe_lenet_eval: a LeNet (BVLC's lenet_train_test.prototxt, fewer outputs) and
// what `caffe test` prints for it on 300 held-out Fashion-MNIST digits (expected.json).
TEST(CaffeEval, LenetScoresWhatCaffeTestSaysWithItsTransformParam) {
  TempDir dir;
  const nlohmann::json caffe = expected_caffe_test();
  const std::vector<std::string> model{"--model", kFixtures + "/lenet_train_test.prototxt",
                                       "--weights", kFixtures + "/lenet.caffemodel"};
  // No preprocessing options: the TEST Data layer's transform_param (scale 1/256, no mean).
  std::vector<std::string> args = model;
  args.insert(args.end(), {"--data", kFixtures});
  expect_caffe_test_figures(eval_metrics(args, dir, "from_prototxt"), caffe);
  // The same transform given as options.
  args.insert(args.end(), {"--mean", "none", "--pixel-scale", "0.00390625"});
  expect_caffe_test_figures(eval_metrics(args, dir, "from_options"), caffe);
  // svertka's own IDX default (standardised by the training set's statistics) is not Caffe's:
  // it needs the training files, which the fixture does not have.
}

TEST(CaffeEval, LenetOnCaffesLmdbScoresWhatCaffeTestSays) {
  TempDir dir;
  if (std::system("/usr/bin/python3 -c 'import lmdb, google.protobuf' 2>/dev/null") != 0)
    GTEST_SKIP() << "Python's lmdb and protobuf modules are missing (Debian: python3-lmdb, "
                    "python3-protobuf; make deps installs them)";
  const std::string command = "/usr/bin/python3 " SVERTKA_SOURCE_DIR
                              "/tools/write_caffe_lmdb.py " + dir / "test_lmdb" + " idx " +
                              kFixtures + "/t10k-images-idx3-ubyte.gz " + kFixtures +
                              "/t10k-labels-idx1-ubyte.gz";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const nlohmann::json got =
      eval_metrics({"--model", kFixtures + "/lenet_train_test.prototxt", "--weights",
                    kFixtures + "/lenet.caffemodel", "--data", dir / "test_lmdb",
                    "--num-classes", "10"},
                   dir, "lmdb");
  expect_caffe_test_figures(got, expected_caffe_test());
}

// A svertka-trained model evaluated with no preprocessing options gives the figures it gives with
// the training's options: the record in weights.safetensors (and the checkpoint) says them.
TEST(SvertkaTrained, EvalWithoutOptionsMatchesTheTrainingsOptions) {
  TempDir dir;
  write_idx(dir.path(), "train", synthetic_idx(256, 1));
  write_idx(dir.path(), "t10k", synthetic_idx(100, 2));
  const std::vector<std::vector<std::string>> trainings{
      {"--mean", "pixel"},                                      // svertka's standardisation
      {"--mean", "none", "--pixel-scale", "0.0078125"},         // Caffe's arithmetic
      {"--mean-value", "60", "--pixel-scale", "0.01"}};
  for (size_t i = 0; i < trainings.size(); ++i) {
    const std::string run = dir / ("run" + std::to_string(i));
    std::vector<std::string> train{"train", "--model", "lenet", "--data", dir.path(), "--epochs",
                                   "1", "--batch", "32", "--threads", "1", "--out", run};
    train.insert(train.end(), trainings[i].begin(), trainings[i].end());
    run_cli(train);
    const std::string weights = run + "/weights.safetensors";
    ASSERT_TRUE(recorded_input_transform(weights).has_value());
    ASSERT_TRUE(recorded_input_transform(run + "/checkpoint.safetensors").has_value());
    const std::vector<std::string> eval{"--model", "lenet", "--weights", weights, "--data",
                                        dir.path()};
    std::vector<std::string> with_options = eval;
    with_options.insert(with_options.end(), trainings[i].begin(), trainings[i].end());
    const nlohmann::json plain = eval_metrics(eval, dir, "plain" + std::to_string(i));
    const nlohmann::json given = eval_metrics(with_options, dir, "given" + std::to_string(i));
    EXPECT_EQ(plain.at("top1_correct"), given.at("top1_correct")) << i;
    EXPECT_EQ(plain.at("loss"), given.at("loss")) << i;
    // And the preprocessing matters: another one gives other figures.
    std::vector<std::string> other = eval;
    other.insert(other.end(), {"--pixel-scale", "0.5"});
    EXPECT_NE(eval_metrics(other, dir, "other" + std::to_string(i)).at("loss"), plain.at("loss"))
        << i;
  }
}

// A train_val prototxt trained on IDX digits: its Data layer's transform_param applies in
// training, so that its weights without a record (a .caffemodel snapshot) evaluate, through the
// same prototxt, as the recorded ones do.
TEST(SvertkaTrained, APrototxtsTransformParamAppliesToIdxTrainingAsToEval) {
  TempDir dir;
  write_idx(dir.path(), "train", synthetic_idx(256, 1));
  write_idx(dir.path(), "t10k", synthetic_idx(100, 2));
  const std::string model = kFixtures + "/lenet_train_test.prototxt";  // scale 1/256, no mean
  const std::string run = dir / "run";
  run_cli({"train", "--model", model, "--data", dir.path(), "--epochs", "1", "--batch", "32",
           "--threads", "1", "--out", run});
  const std::optional<InputTransform> record = recorded_input_transform(run + "/weights.safetensors");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->arithmetic, InputTransform::Arithmetic::kCaffe);
  EXPECT_FLOAT_EQ(record->pixel_scale, 0.00390625f);
  EXPECT_EQ(record->mean, "none");
  EXPECT_FALSE(record->mirror);  // the prototxt's (Caffe's default), not train's --mirror default
  // The same tensors without the record: eval takes the prototxt's transform_param.
  const std::string bare = dir / "bare.safetensors";
  save_safetensors(bare, load_safetensors(run + "/weights.safetensors").tensors);
  ASSERT_FALSE(recorded_input_transform(bare).has_value());
  const nlohmann::json recorded = eval_metrics(
      {"--model", model, "--weights", run + "/weights.safetensors", "--data", dir.path()}, dir,
      "recorded");
  const nlohmann::json from_prototxt =
      eval_metrics({"--model", model, "--weights", bare, "--data", dir.path()}, dir, "prototxt");
  EXPECT_EQ(recorded.at("top1_correct"), from_prototxt.at("top1_correct"));
  EXPECT_EQ(recorded.at("loss"), from_prototxt.at("loss"));
}

// Predicting image files with no options prepares them as training's options did.
TEST(SvertkaTrained, PredictWithoutOptionsPreparesImagesAsTraining) {
  TempDir dir;
  const std::string image = dir / "a.png";
  write_image(image, pattern_image(40, 50, 3));
  cli::ImageDataArgs training;
  training.order = "rgb", training.pixel_scale = 0.02f, training.resize = "warp";
  training.scale = 36, training.crop = 32;
  const ImageSourceOptions trained =
      cli::image_source_options(training, 32, /*mirror=*/true, "channel", 3);
  const cli::Preprocessing recorded{cli::image_record(trained.transform, "channel"), "the record"};
  const ModelInput input{.channels = 3, .crop = 224};
  const ImageBatchSource plain =
      cli::predict_source({image}, 10, {}, "channel", input, recorded, "test");
  training.given = {"--channel-order", "--pixel-scale", "--resize", "--scale", "--crop"};
  const ImageBatchSource given =
      cli::predict_source({image}, 10, training, "channel", input, {std::nullopt, "none"}, "test");
  ASSERT_EQ(plain.sample_shape(), given.sample_shape());
  EXPECT_EQ(plain.sample_shape(), (Shape{3, 32, 32}));
  Tensor a(Shape{1, 3, 32, 32}), b(Shape{1, 3, 32, 32}), labels(Shape{1});
  const std::vector<int64_t> first{0};
  plain.fill(first, false, 0, 0, a, labels);
  given.fill(first, false, 0, 0, b, labels);
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a[i], b[i]) << i;
}

}  // namespace
}  // namespace svertka::testing
