// Writes the seed files of the corpora that svertka itself writes (tiny nets in every model
// format, IDX, .npy, images), so that they can be made again:
//   fuzz_make_seeds CORPUS_DIR    (CORPUS_DIR/<reader>/ must exist)
// The text seeds (prototxt, recipes, lists, XML) are copies of real files, committed as they are.
#include <cstdio>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "svertka/io/caffe.h"
#include "svertka/io/caffe_snapshot.h"
#include "svertka/io/onnx.h"
#include "svertka/io/safetensors.h"
#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/transfer/features.h"

namespace {

using namespace svertka;

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string big_endian(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

void write_idx(const std::string& dir) {
  std::string images = big_endian(0x803) + big_endian(3) + big_endian(4) + big_endian(5);
  for (int i = 0; i < 3 * 4 * 5; ++i) images += char(i * 7);
  write(dir + "/images-idx3-ubyte", images);
  write(dir + "/labels-idx1-ubyte",
        big_endian(0x801) + big_endian(3) + std::string("\x01\x09\x00", 3));
}

std::vector<NamedTensor> weights_of(Net& net) {
  std::vector<NamedTensor> weights;
  float value = 0.25f;
  for (Parameter& p : net.params()) {
    p.value.fill(value);
    value += 0.5f;
    weights.push_back({p.name, p.value});
  }
  return weights;
}

void write_models(const std::string& dir) {
  const NetSpec spec = fuzz::tiny_spec();
  Net net(spec, fuzz::kNetOptions);
  const std::vector<NamedTensor> weights = weights_of(net);
  save_safetensors(dir + "/safetensors/tiny.safetensors", weights, {{"format", "pt"}});
  save_safetensors(dir + "/safetensors/empty.safetensors", {});
  SgdSolver solver(net.params(), {.momentum = 0.9});
  const TrainingState state{.iteration = 3,
                            .epoch = 1,
                            .epoch_position = 4,
                            .seed = 7,
                            .model = "tiny",
                            .run = {.train_samples = 8,
                                    .batch = 2,
                                    .iter_size = 1,
                                    .ranks = 1,
                                    .architecture = architecture_hash(spec)}};
  save_checkpoint(dir + "/checkpoint/checkpoint.safetensors", net, solver, state);
  save_weights(dir + "/checkpoint/weights.safetensors", net);
  save_caffe(spec, weights, dir + "/prototxt/tiny.prototxt", dir + "/caffemodel/tiny.caffemodel");
  save_onnx(spec, weights, dir + "/onnx/tiny.onnx");
  // Solver states after updates 1 and 3 (past fuzz_solverstate's stepvalue 2); the harness writes
  // the .caffemodel each names beside its input, so the corpus keeps the states alone.
  for (const auto& [iteration, step] : {std::pair{1, 0}, std::pair{3, 1}}) {
    save_caffe_snapshot(dir + "/solverstate/tiny", spec, net, solver, iteration, step);
    std::remove(caffe_snapshot_path(dir + "/solverstate/tiny", iteration, ".caffemodel").c_str());
  }
}

void write_npy(const std::string& dir) {
  FeatureWriter writer(dir + "/npy/seed.npy", 2, 3);
  const std::vector<float> rows = {1, 2, 3, 4, 5, 6}, labels = {0, 1};
  writer.append(rows.data(), labels.data(), 2);
  writer.finish();
  // The harness's first byte: 0 fuzzes the features file, 1 the labels file.
  write(dir + "/npy/features.bin", std::string(1, '\0') + read(dir + "/npy/seed.npy"));
  write(dir + "/npy/labels.bin", std::string(1, '\1') + read(dir + "/npy/seed.labels.npy"));
  std::remove((dir + "/npy/seed.npy").c_str());
  std::remove((dir + "/npy/seed.labels.npy").c_str());
}

void write_images(const std::string& dir) {
  cv::Mat colour(6, 8, CV_8UC3), grey(5, 3, CV_8UC1);
  for (int y = 0; y < colour.rows; ++y)
    for (int x = 0; x < colour.cols; ++x)
      colour.at<cv::Vec3b>(y, x) = {uchar(30 * x), uchar(40 * y), 99};
  for (int y = 0; y < grey.rows; ++y)
    for (int x = 0; x < grey.cols; ++x) grey.at<uchar>(y, x) = uchar(50 * x + 10 * y);
  cv::imwrite(dir + "/image_decode/colour.jpg", colour);
  cv::imwrite(dir + "/image_decode/colour-progressive.jpg", colour,
              {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  cv::imwrite(dir + "/image_decode/grey.jpg", grey);
  cv::imwrite(dir + "/image_decode/colour.png", colour);
  cv::imwrite(dir + "/image_decode/grey.png", grey);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  write_idx(dir + "/idx");
  write_models(dir);
  write_npy(dir);
  write_images(dir);
  return 0;
}
