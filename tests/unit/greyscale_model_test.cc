// Greyscale models end to end: a net whose "data" input has 1 channel (Caffe's MNIST LeNet) gets
// its images decoded to 1 channel by predict, eval and train, and their results equal a forward on
// the images prepared by hand; the channel count comes from the net file or the trained weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "commands.h"
#include "data_options.h"
#include "image_test_helpers.h"
#include "op_test_helpers.h"
#include "svertka/data/box_source.h"
#include "svertka/io/caffe.h"
#include "svertka/io/model_loading.h"
#include "svertka/io/safetensors.h"
#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

// The layers of Caffe's examples/mnist/lenet.prototxt after its data layer.
const std::string kLeNetLayers = R"(
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 20 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } } }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
  convolution_param { num_output: 50 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } } }
layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1"
  inner_product_param { num_output: 500 weight_filler { type: "xavier" } } }
layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
)";

const std::string kDeploy = R"(name: "LeNet"
layer { name: "data" type: "Input" top: "data"
  input_param { shape: { dim: 64 dim: 1 dim: 28 dim: 28 } } })" +
                            kLeNetLayers +
                            R"(layer { name: "prob" type: "Softmax" bottom: "ip2" top: "prob" })";

// A training net fed by an ImageData layer that reads greyscale (is_color: false).
const std::string kTrain = R"(name: "LeNet"
layer { name: "data" type: "ImageData" top: "data" top: "label"
  transform_param { crop_size: 28 } image_data_param { source: "x" batch_size: 4 is_color: false } })" +
                           kLeNetLayers + R"(
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" })";

constexpr float kPixelScale = 0.00390625f;  // Caffe's LeNet: 1/256, no mean
const std::vector<std::string> kTransform = {"--scale",       "28",         "--mean",    "none",
                                             "--pixel-scale", "0.00390625", "--workers", "1"};

void run_cli(std::vector<std::string> args) {
  CLI::App app;
  cli::add_train_command(app);
  cli::add_eval_command(app);
  cli::add_predict_command(app);
  std::reverse(args.begin(), args.end());
  app.parse(args);
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Digit-like test images: strokes on a dark background, written as the files a user would have.
struct Images {
  std::vector<std::string> paths;
  std::vector<cv::Mat> grey;  // what a greyscale decode must give, 28x28
};

cv::Mat strokes(int size, int seed) {
  cv::Mat image(size, size, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::RNG rng{uint64_t(seed)};
  for (int k = 0; k < 3; ++k)
    cv::line(image, {rng.uniform(0, size), rng.uniform(0, size)},
             {rng.uniform(0, size), rng.uniform(0, size)},
             cv::Scalar(rng.uniform(60, 256), rng.uniform(60, 256), rng.uniform(60, 256)),
             std::max(1, size / 10));
  return image;
}

Images write_images(const TempDir& dir) {
  Images images;
  auto add = [&](const std::string& name, const cv::Mat& image, int read_flags) {
    write_image(dir / name, image);
    images.paths.push_back(dir / name);
    images.grey.push_back(cv::imread(dir / name, read_flags));
  };
  cv::Mat grey;
  cv::cvtColor(strokes(28, 1), grey, cv::COLOR_BGR2GRAY);
  add("grey.png", grey, cv::IMREAD_GRAYSCALE);
  add("colour.png", strokes(28, 2), cv::IMREAD_GRAYSCALE);
  add("colour.jpg", strokes(28, 3), cv::IMREAD_GRAYSCALE);
  cv::cvtColor(strokes(28, 4), grey, cv::COLOR_BGR2GRAY);
  add("grey.jpg", grey, cv::IMREAD_GRAYSCALE);
  // Twice the size: decoded by libjpeg at 1/2, straight to 28x28.
  add("big.jpg", strokes(56, 5), cv::IMREAD_REDUCED_GRAYSCALE_2);
  for (const cv::Mat& m : images.grey) EXPECT_EQ(m.size(), cv::Size(28, 28));
  return images;
}

// A LeNet with random weights (the classifier scaled up so that the classes differ clearly),
// saved as safetensors.
std::string save_lenet_weights(const TempDir& dir, const std::string& deploy) {
  ImportedModel model = load_caffe_net(deploy);
  Net net(model.spec, {.phase = Phase::kTest});
  net.init_params(7);
  Tensor& w = net.param("ip2.weight").value;
  for (int64_t i = 0; i < w.numel(); ++i) w[i] *= 8;
  const std::string path = dir / "lenet.safetensors";
  save_weights(path, net);
  return path;
}

// Softmax of the logits of a forward on the images prepared by hand: (N,1,28,28) of pixel / 256.
std::vector<std::vector<double>> reference_probabilities(const std::string& deploy,
                                                         const std::string& weights,
                                                         const std::vector<cv::Mat>& grey) {
  ImportedModel model = load_caffe_net(deploy);
  const int64_t n = int64_t(grey.size());
  model.spec.inputs.at(0).shape = Shape{n, 1, 28, 28};
  Net net(model.spec, {.phase = Phase::kTest});
  load_weights(weights, net);
  Tensor& data = net.input("data");
  for (int64_t b = 0; b < n; ++b)
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x)
        data[(b * 28 + y) * 28 + x] = float(grey[size_t(b)].at<uint8_t>(y, x)) * kPixelScale;
  net.forward();
  const Tensor& logits = net.blob("ip2");
  std::vector<std::vector<double>> probabilities;
  for (int64_t b = 0; b < n; ++b) {
    std::vector<double> p(10);
    double top = -1e30, sum = 0;
    for (int k = 0; k < 10; ++k) top = std::max(top, double(logits[b * 10 + k]));
    for (int k = 0; k < 10; ++k) sum += p[size_t(k)] = std::exp(double(logits[b * 10 + k]) - top);
    for (double& v : p) v /= sum;
    probabilities.push_back(p);
  }
  return probabilities;
}

std::string lenet_deploy(const TempDir& dir) {
  write_text(dir / "lenet.prototxt", kDeploy);
  return dir / "lenet.prototxt";
}

// predict --json: each image's top 5 as (class, probability).
std::vector<std::vector<std::pair<int64_t, double>>> predict(const std::vector<std::string>& args) {
  ::testing::internal::CaptureStdout();
  try {
    run_cli(args);
  } catch (...) {
    ::testing::internal::GetCapturedStdout();  // gtest's own output must reach the terminal
    throw;
  }
  std::fflush(stdout);
  const std::string printed = ::testing::internal::GetCapturedStdout();
  const nlohmann::json json = nlohmann::json::parse(printed.substr(printed.find('[')));
  std::vector<std::vector<std::pair<int64_t, double>>> result;
  for (const auto& image : json) {
    result.emplace_back();
    for (const auto& top : image["top5"])
      result.back().push_back({top["class"].get<int64_t>(), top["probability"].get<double>()});
  }
  return result;
}

void expect_top5(const std::vector<std::pair<int64_t, double>>& got,
                 const std::vector<double>& expected, double tolerance, const std::string& what) {
  std::vector<int64_t> order(10);
  for (int64_t k = 0; k < 10; ++k) order[size_t(k)] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return expected[size_t(a)] > expected[size_t(b)]; });
  ASSERT_EQ(got.size(), 5u) << what;
  for (size_t r = 0; r < 5; ++r) {
    EXPECT_EQ(got[r].first, order[r]) << what << " rank " << r;
    EXPECT_NEAR(got[r].second, expected[size_t(got[r].first)], tolerance) << what << " rank " << r;
  }
}

TEST(GreyscaleModel, ModelInputComesFromTheNetFileOrTheTrainedWeights) {
  TempDir dir;
  const std::string deploy = lenet_deploy(dir);
  const ModelInput file = model_input(deploy);
  EXPECT_EQ(file.channels, 1);
  EXPECT_EQ(file.crop, 28);
  const ModelInput zoo = model_input("lenet");
  EXPECT_EQ(zoo.channels, 3);
  EXPECT_EQ(zoo.crop, 28);
  // The zoo's lenet with weights trained on 1 channel (the same layer names as Caffe's).
  EXPECT_EQ(model_input("lenet", save_lenet_weights(dir, deploy)).channels, 1);

  write_text(dir / "two.prototxt",
             "name: \"two\"\nlayer { name: \"data\" type: \"Input\" top: \"data\" input_param { "
             "shape: { dim: 1 dim: 2 dim: 28 dim: 28 } } }" +
                 kLeNetLayers);
  SVERTKA_EXPECT_THROW_WITH(model_input(dir / "two.prototxt"), ShapeError, "two.prototxt",
                            "2-channel");
}

// Caffe data layers say greyscale by ImageData's is_color: false or transform_param.force_gray.
TEST(GreyscaleModel, CaffeDataLayersTakeTheirChannelsFromTheFile) {
  TempDir dir;
  auto channels = [&](const std::string& data_layer) {
    write_text(dir / "net.prototxt", "name: \"n\"\n" + data_layer + kLeNetLayers);
    return load_caffe_net(dir / "net.prototxt").spec.inputs.at(0).shape[1];
  };
  EXPECT_EQ(channels(R"(layer { name: "d" type: "ImageData" top: "data" top: "label"
    transform_param { crop_size: 28 } image_data_param { batch_size: 4 is_color: false } })"),
            1);
  EXPECT_EQ(channels(R"(layer { name: "d" type: "Data" top: "data" top: "label"
    transform_param { crop_size: 28 force_gray: true } data_param { batch_size: 4 } })"),
            1);
  EXPECT_EQ(channels(R"(layer { name: "d" type: "Data" top: "data" top: "label"
    transform_param { crop_size: 28 } data_param { batch_size: 4 } })"),
            3);
  EXPECT_EQ(channels(R"(layer { name: "d" type: "ImageData" top: "data" top: "label"
    transform_param { crop_size: 28 } image_data_param { batch_size: 4 } })"),
            3);
}

TEST(GreyscaleModel, PredictWithCaffesLeNetEqualsAForwardOnTheImagesByHand) {
  TempDir dir;
  const Images images = write_images(dir);
  const std::string deploy = lenet_deploy(dir);
  const std::string weights = save_lenet_weights(dir, deploy);
  const auto expected = reference_probabilities(deploy, weights, images.grey);

  // Safetensors weights, and the same weights as a .caffemodel (the failure of the issue).
  ImportedModel model = load_caffe_net(deploy);
  Net net(model.spec, {.phase = Phase::kTest});
  load_weights(weights, net);
  std::vector<NamedTensor> named;
  for (const Parameter& p : net.params()) named.push_back({p.name, p.value});
  save_caffe(model.spec, named, dir / "exported.prototxt", dir / "lenet.caffemodel");

  for (const std::string& w : {weights, dir / "lenet.caffemodel"}) {
    const auto got = predict(
        with(with({"predict", "--model", deploy, "--weights", w, "--json", "--num-classes", "10"},
                  kTransform),
             images.paths));
    ASSERT_EQ(got.size(), images.paths.size());
    for (size_t i = 0; i < got.size(); ++i) expect_top5(got[i], expected[i], 1e-5, images.paths[i]);
  }
  // The zoo's lenet takes its channel count from the weights.
  const auto zoo = predict(with(
      with({"predict", "--model", "lenet", "--weights", weights, "--json", "--num-classes", "10"},
           kTransform),
      images.paths));
  for (size_t i = 0; i < zoo.size(); ++i) expect_top5(zoo[i], expected[i], 1e-5, images.paths[i]);
}

TEST(GreyscaleModel, EvalWithCaffesLeNetEqualsAForwardOnTheImagesByHand) {
  TempDir dir;
  const Images images = write_images(dir);
  const std::string deploy = lenet_deploy(dir);
  const std::string weights = save_lenet_weights(dir, deploy);
  const auto expected = reference_probabilities(deploy, weights, images.grey);
  std::string list;
  for (size_t i = 0; i < images.paths.size(); ++i)
    list += images.paths[i] + " " + std::to_string(i) + "\n";
  write_text(dir / "val.txt", list);

  run_cli(with({"eval", "--model", deploy, "--weights", weights, "--val-list", dir / "val.txt",
                "--num-classes", "10", "--batch", "2", "--out", dir / "eval"},
               kTransform));
  std::ifstream csv(dir / "eval/predictions.csv");
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "index,path,label,classes,probabilities");
  for (size_t i = 0; i < images.paths.size(); ++i) {
    ASSERT_TRUE(std::getline(csv, line)) << i;
    std::stringstream fields(line);
    std::string index, path, label, classes, probabilities;
    std::getline(fields, index, ',');
    std::getline(fields, path, ',');
    EXPECT_EQ(path, images.paths[i]);
    std::getline(fields, label, ',');
    std::getline(fields, classes, ',');
    std::getline(fields, probabilities, ',');
    std::vector<std::pair<int64_t, double>> top;
    std::stringstream c(classes), p(probabilities);
    for (int64_t k; c >> k;) top.push_back({k, 0});
    for (auto& t : top) p >> t.second;
    expect_top5(top, expected[i], 2e-6, images.paths[i]);  // written with 6 decimals
  }
}

// A few iterations of a greyscale net from an image list: the prototxt's ImageData layer (is_color:
// false) and the zoo's lenet with --channels 1 both train 1-channel weights, which predict takes.
TEST(GreyscaleModel, TrainingFromAnImageListGivesOneChannelWeights) {
  TempDir dir;
  const Images images = write_images(dir);
  std::string list;
  for (int repeat = 0; repeat < 2; ++repeat)
    for (size_t i = 0; i < images.paths.size(); ++i)
      list += images.paths[i] + " " + std::to_string(i % 2) + "\n";
  write_text(dir / "train.txt", list);
  write_text(dir / "train.prototxt", kTrain);
  const std::vector<std::string> common =
      with({"--train-list", dir / "train.txt", "--batch", "4", "--max-iter", "2", "--lr", "0.01"},
           kTransform);

  run_cli(with({"train", "--model", dir / "train.prototxt", "--out", dir / "file"}, common));
  run_cli(with({"train", "--model", "lenet", "--channels", "1", "--out", dir / "zoo"}, common));
  for (const std::string& run : {dir / "file", dir / "zoo"}) {
    const SafetensorsContents trained = load_safetensors(run + "/weights.safetensors");
    EXPECT_EQ(trained.at("conv1.weight").shape(), (Shape{20, 1, 5, 5})) << run;
  }
  const auto got =
      predict(with(with({"predict", "--model", "lenet", "--weights",
                         dir / "zoo/weights.safetensors", "--json", "--num-classes", "2"},
                        kTransform),
                   {images.paths[0]}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].size(), 2u);
  // Colour-only options are errors for a greyscale model, naming what is wrong.
  SVERTKA_EXPECT_THROW_WITH(
      run_cli(with({"train", "--model", dir / "train.prototxt", "--pca-colour", "0.1"}, common)),
      ParamError, "1 channel", "PCA");
  SVERTKA_EXPECT_THROW_WITH(
      run_cli(with({"train", "--model", dir / "train.prototxt", "--channel-order", "rgb"}, common)),
      ParamError, "1 channel", "RGB");
}

// The box source of localisation decodes to the transform's channels too.
TEST(GreyscaleModel, BoxSourceFillsOneChannelSamples) {
  TempDir dir;
  cv::Mat grey;
  cv::cvtColor(strokes(40, 9), grey, cv::COLOR_BGR2GRAY);
  write_image(dir / "a.png", grey);
  write_text(dir / "boxes.txt", dir / "a.png" + " 0 4 4 30 30\n");
  ImageSourceOptions options;
  options.transform.channels = 1;
  options.transform.scale_min = options.transform.scale_max = 40;
  options.transform.crop = 40;
  BoxBatchSource source(read_box_list(dir / "boxes.txt", "", 1), options);
  EXPECT_EQ(source.sample_shape(), (Shape{1, 40, 40}));
  Tensor images(Shape{1, 1, 40, 40}), labels(Shape{1}), targets(Shape{1, 4});
  const std::vector<int64_t> index{0};
  source.fill_boxes(index, false, 0, 0, images, labels, targets);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x) ASSERT_EQ(images[y * 40 + x], float(grey.at<uint8_t>(y, x)));
}

// The CLI's means for a greyscale model: the luma of ImageNet's (or --stats') colour means.
TEST(GreyscaleModel, ImageSourceOptionsGiveGreyMeans) {
  cli::ImageDataArgs args;
  const ImageSourceOptions grey = cli::image_source_options(args, 28, false, "channel", 1);
  EXPECT_EQ(grey.transform.channels, 1);
  EXPECT_FLOAT_EQ(grey.transform.channel_mean[0],
                  0.299f * 123.68f + 0.587f * 116.78f + 0.114f * 103.94f);
  EXPECT_EQ(grey.transform.channel_mean[1], 0);
  check_transform_options(grey.transform);
  args.channels = 3;  // --channels overrides the model's
  EXPECT_EQ(cli::image_source_options(args, 28, false, "channel", 1).transform.channels, 3);
}

}  // namespace
}  // namespace svertka::testing
