// Caffe's datasets: Datum records, transform_param, LMDBs written by another tool (Python's lmdb
// and protobuf modules, tools/write_caffe_lmdb.py) and by convert-images, and mean files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "commands.h"
#include "image_test_helpers.h"
#include "run_cli.h"
#include "svertka/data/caffe_datum.h"
#include "svertka/data/caffe_transform.h"
#include "svertka/data/image_datum.h"
#include "svertka/data/input_transform.h"
#include "svertka/data/lmdb_source.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

Datum raw_datum(int64_t c, int64_t h, int64_t w, int64_t label) {
  Datum d{.channels = c, .height = h, .width = w, .label = label};
  for (int64_t i = 0; i < c * h * w; ++i) d.data.push_back(uint8_t(i * 3));
  return d;
}

TEST(CaffeDatum, RoundTripsRawAndEncodedRecords) {
  const Datum raw = raw_datum(3, 2, 4, 7);
  const Datum back = parse_datum(serialize_datum(raw), "db key k");
  EXPECT_EQ(back.channels, 3);
  EXPECT_EQ(back.height, 2);
  EXPECT_EQ(back.width, 4);
  EXPECT_EQ(back.data, raw.data);
  EXPECT_EQ(back.label, 7);
  EXPECT_FALSE(back.encoded);
  const Datum encoded{.data = {1, 2, 3}, .label = 2, .encoded = true};
  const Datum back2 = parse_datum(serialize_datum(encoded), "db key k");
  EXPECT_TRUE(back2.encoded);
  EXPECT_EQ(back2.data, encoded.data);
  EXPECT_EQ(parse_datum_label(serialize_datum(encoded), "db"), 2);
}

// Hostile records: every one a DataError naming the file and the key, nothing allocated for them.
TEST(CaffeDatum, MalformedRecordsAreDataErrorsNamingFileAndKey) {
  std::vector<uint8_t> bytes = serialize_datum(raw_datum(1, 2, 2, 0));
  const std::vector<std::vector<uint8_t>> hostile = {
      std::vector<uint8_t>(bytes.begin(), bytes.end() - 3),  // cut inside the pixels
      serialize_datum(Datum{.channels = 1, .height = 3, .width = 3, .data = {1, 2}}),  // 2 for 9
      serialize_datum(Datum{.channels = 1, .height = 1 << 20, .width = 1, .data = {1}}),
      serialize_datum(Datum{.channels = 1 << 12, .height = 1 << 16, .width = 1 << 16}),
      serialize_datum(Datum{.channels = -1, .height = 1, .width = 1, .data = {1}}),
      serialize_datum(Datum{.label = 1, .encoded = true}),  // encoded, no image
      {0x22, 0xff, 0xff, 0xff, 0xff, 0x0f},                 // data of 4 GiB in 6 bytes
      {0x0b},                                               // a group: not Datum's
  };
  for (size_t i = 0; i < hostile.size(); ++i) {
    try {
      parse_datum(hostile[i], "train_lmdb key '00000001_a.jpg'");
      ADD_FAILURE() << "record " << i << " was accepted";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("train_lmdb key '00000001_a.jpg'"), std::string::npos)
          << e.what();
    }
  }
}

// A 1x2x3 image through crop, mirror, mean and scale, as Caffe's DataTransformer computes it.
TEST(CaffeTransform, CropsMirrorsSubtractsTheMeanThenScales) {
  const uint8_t image[2][3] = {{10, 20, 30}, {40, 50, 60}};
  CaffeTransform t{.scale = 0.5f, .crop_size = 2, .mean_value = {4}};
  EXPECT_EQ(t.output_shape(1, 2, 3, "x"), (Shape{1, 2, 2}));
  float out[4];
  t.apply(&image[0][0], 1, 2, 3, {.y0 = 0, .x0 = 1, .flip = false}, out);
  EXPECT_FLOAT_EQ(out[0], (20 - 4) * 0.5f);
  EXPECT_FLOAT_EQ(out[1], (30 - 4) * 0.5f);
  EXPECT_FLOAT_EQ(out[3], (60 - 4) * 0.5f);
  t.apply(&image[0][0], 1, 2, 3, {.y0 = 0, .x0 = 1, .flip = true}, out);
  EXPECT_FLOAT_EQ(out[0], (30 - 4) * 0.5f);
  EXPECT_FLOAT_EQ(out[1], (20 - 4) * 0.5f);
  // A mean file: the mean's pixel at the input's position, cropped with the image.
  t.mean_value.clear();
  t.mean = Tensor(Shape{1, 2, 3});
  for (int64_t i = 0; i < 6; ++i) t.mean[i] = float(i);
  t.apply(&image[0][0], 1, 2, 3, {.y0 = 0, .x0 = 1, .flip = false}, out);
  EXPECT_FLOAT_EQ(out[0], (20 - 1) * 0.5f);
  EXPECT_FLOAT_EQ(out[3], (60 - 5) * 0.5f);
  // TEST: the centre; TRAIN: offsets within the image, both seen, the same for the same key.
  EXPECT_EQ(t.draw(2, 3, false, 1, 0, 5).x0, 0);
  bool seen[2] = {false, false};
  for (int64_t i = 0; i < 64; ++i) {
    const CaffeTransform::Draw d = t.draw(2, 3, true, 1, 0, i);
    ASSERT_GE(d.x0, 0);
    ASSERT_LE(d.x0, 1);
    seen[d.x0] = true;
    EXPECT_EQ(d.x0, t.draw(2, 3, true, 1, 0, i).x0);
  }
  EXPECT_TRUE(seen[0] && seen[1]);
}

TEST(CaffeTransform, RejectsMeansAndCropsThatDoNotFit) {
  CaffeTransform t{.crop_size = 5};
  EXPECT_THROW(t.output_shape(1, 4, 4, "db"), ShapeError);
  t = {.mean_value = {1, 2}};
  EXPECT_THROW(t.output_shape(3, 4, 4, "db"), ShapeError);
  t = {.mean = Tensor(Shape{3, 8, 8})};
  EXPECT_THROW(t.output_shape(3, 4, 4, "db"), ShapeError);
}

// Python's lmdb and protobuf modules write the database (tools/write_caffe_lmdb.py); false (and
// the test skips) when they are not installed.
bool python_writes(const std::string& out, const std::string& kind) {
  if (std::system("/usr/bin/python3 -c 'import lmdb, google.protobuf' 2>/dev/null") != 0)
    return false;
  const std::string command =
      "/usr/bin/python3 " SVERTKA_SOURCE_DIR "/tools/write_caffe_lmdb.py " + out + " " + kind;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return true;
}

#define WRITE_WITH_PYTHON(out, kind)                                                       \
  if (!python_writes(out, kind))                                                           \
  GTEST_SKIP() << "Python's lmdb and protobuf modules are missing (Debian: python3-lmdb, " \
                  "python3-protobuf; make deps installs them)"

TEST(CaffeLmdb, ReadsRawRecordsWrittenByPython) {
  TempDir dir;
  WRITE_WITH_PYTHON(dir / "raw_lmdb", "raw");
  const LmdbBatchSource source(dir / "raw_lmdb", {});
  ASSERT_EQ(source.size(), 5);
  EXPECT_EQ(source.sample_shape(), (Shape{3, 4, 5}));
  EXPECT_EQ(source.num_classes(), 3);
  Tensor images(Shape{2, 3, 4, 5}), labels(Shape{2});
  const std::vector<int64_t> indices = {3, 1};
  source.fill(indices, false, 1, 0, images, labels);
  for (int b = 0; b < 2; ++b) {
    const int64_t i = indices[size_t(b)];
    EXPECT_EQ(labels[b], float(i % 3));
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 4; ++y)
        for (int64_t x = 0; x < 5; ++x)
          ASSERT_EQ(images[((b * 3 + c) * 4 + y) * 5 + x],
                    float((40 * c + 5 * y + x + 7 * i) % 256));
  }
}

TEST(CaffeLmdb, AppliesTransformParamAndReadsFloatRecords) {
  TempDir dir;
  WRITE_WITH_PYTHON(dir / "raw_lmdb", "raw");
  ASSERT_TRUE(python_writes(dir / "float_lmdb", "float"));
  LmdbSourceOptions options{.transform = {.scale = 0.25f, .crop_size = 3, .mean_value = {1, 2, 3}}};
  const LmdbBatchSource source(dir / "raw_lmdb", options);
  EXPECT_EQ(source.sample_shape(), (Shape{3, 3, 3}));
  float out[27];
  source.load_sample(0, /*augment=*/false, 1, 0, out);  // centre crop at (0, 1)
  EXPECT_FLOAT_EQ(out[0], (0 + 1 - 1) * 0.25f);
  EXPECT_FLOAT_EQ(out[9 + 4], (40 + 5 + 2 - 2) * 0.25f);  // channel 1, (1,1) of the crop
  const LmdbBatchSource floats(dir / "float_lmdb", {});
  float values[6];
  EXPECT_EQ(floats.load_sample(1, false, 1, 0, values), 1);
  EXPECT_FLOAT_EQ(values[5], 2.5f - 1.0f);
}

TEST(CaffeLmdb, DecodesEncodedRecordsWrittenByPython) {
  TempDir dir;
  WRITE_WITH_PYTHON(dir / "png_lmdb", "encoded");
  // The first record is a grey PNG: one channel, as Caffe's native decoding gives.
  const LmdbBatchSource grey(dir / "png_lmdb", {});
  EXPECT_EQ(grey.sample_shape(), (Shape{1, 4, 6}));
  float out[3 * 4 * 6];
  EXPECT_EQ(grey.load_sample(0, false, 1, 0, out), 0);
  EXPECT_FLOAT_EQ(out[2 * 6 + 5], 25.0f);
  // force_color: BGR planes; the RGB record's blue plane is 100 + x + y.
  const LmdbBatchSource colour(dir / "png_lmdb", {.transform = {.force_color = true}});
  EXPECT_EQ(colour.sample_shape(), (Shape{3, 4, 6}));
  EXPECT_EQ(colour.load_sample(1, false, 1, 0, out), 1);
  EXPECT_FLOAT_EQ(out[0 * 24 + 1 * 6 + 2], 103.0f);  // B at (1,2)
  EXPECT_FLOAT_EQ(out[1 * 24 + 3 * 6 + 0], 30.0f);   // G at (3,0)
  EXPECT_FLOAT_EQ(out[2 * 24 + 0 * 6 + 4], 4.0f);    // R at (0,4)
}

TEST(CaffeLmdb, ARecordOfAnotherSizeIsADataErrorNamingTheKey) {
  TempDir dir;
  {
    LmdbWriter db(dir / "mixed_lmdb");
    db.put("00000000_a", serialize_datum(raw_datum(1, 2, 2, 0)));
    db.put("00000001_b", serialize_datum(raw_datum(1, 3, 3, 1)));
  }
  const LmdbBatchSource source(dir / "mixed_lmdb", {});
  float out[4];
  try {
    source.load_sample(1, false, 1, 0, out);
    FAIL() << "a 3x3 record was read as 2x2";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("key '00000001_b'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LmdbBatchSource(dir / "missing_lmdb", {}), IoError);
}

TEST(CaffeMean, WritesAndReadsMeanBinaryproto) {
  TempDir dir;
  Tensor mean(Shape{3, 2, 2});
  for (int64_t i = 0; i < 12; ++i) mean[i] = float(i) + 0.5f;
  save_caffe_mean(dir / "mean.binaryproto", mean);
  const Tensor back = load_caffe_mean(dir / "mean.binaryproto");
  ASSERT_EQ(back.shape(), mean.shape());
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(back[i], mean[i]);
  write_bytes(dir / "bad.binaryproto", {0x08, 0x02, 0x10, 0x01});  // num 2, channels 1
  EXPECT_THROW(load_caffe_mean(dir / "bad.binaryproto"), IoError);
}

int run(std::vector<std::string> args) {
  CLI::App app;
  cli::add_convert_images_command(app);
  cli::add_mean_command(app);
  cli::add_train_command(app);
  cli::add_convert_command(app);
  args.insert(args.begin(), "svertka");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return cli::run_cli(app, int(argv.size()), argv.data());
}

// convert-images writes what convert_imageset would; the records read back as the images, the
// database's mean is written as a mean file, and a net trains on it.
TEST(ConvertImages, WritesAnLmdbThatTrainsAndAveragesAsCaffes) {
  TempDir dir;
  std::ofstream list(dir / "list.txt");
  for (int i = 0; i < 8; ++i) {
    write_image(dir / ("img" + std::to_string(i) + ".png"), pattern_image(10, 12, i));
    list << "img" << i << ".png " << i % 2 << "\n";
  }
  list.close();
  ASSERT_EQ(run({"convert-images", "--list", dir / "list.txt", "--out", dir / "db",
                 "--resize-height", "8", "--resize-width", "8", "--shuffle"}),
            0);
  EXPECT_FALSE(fs::exists(dir / "db.tmp"));
  const LmdbBatchSource source(dir / "db", {});
  EXPECT_EQ(source.size(), 8);
  EXPECT_EQ(source.sample_shape(), (Shape{3, 8, 8}));
  EXPECT_NE(run({"convert-images", "--list", dir / "list.txt", "--out", dir / "db"}), 0);
  ASSERT_EQ(run({"convert-images", "--list", dir / "list.txt", "--out", dir / "enc", "--encoded",
                 "--gray"}),
            0);
  EXPECT_EQ(LmdbBatchSource(dir / "enc", {}).sample_shape(), (Shape{1, 10, 12}));

  ASSERT_EQ(run({"mean", "--data", dir / "db", "--out", dir / "mean.binaryproto"}), 0);
  const Tensor mean = load_caffe_mean(dir / "mean.binaryproto");
  ASSERT_EQ(mean.shape(), (Shape{3, 8, 8}));
  Tensor images(Shape{8, 3, 8, 8}), labels(Shape{8});
  source.fill(std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}, false, 1, 0, images, labels);
  double sum = 0;
  for (int64_t b = 0; b < 8; ++b) sum += images[b * 192 + 100];
  EXPECT_NEAR(mean[100], sum / 8, 1e-4);

  // A solver whose train_val net reads the LMDB through Data layers, with its transform_param.
  std::ofstream(dir / "train_val.prototxt") << R"(name: "tiny"
layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { crop_size: 6 mirror: true scale: 0.01 mean_file: "mean.binaryproto" }
  data_param { source: "db" batch_size: 4 backend: LMDB } }
layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
  transform_param { crop_size: 6 scale: 0.01 mean_file: "mean.binaryproto" }
  data_param { source: "db" batch_size: 4 backend: LMDB } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)";
  std::ofstream(dir / "solver.prototxt") << R"(net: "train_val.prototxt"
test_iter: 2 test_interval: 2 base_lr: 0.01 lr_policy: "fixed" type: "Adam" max_iter: 4
display: 1 snapshot: 0 solver_mode: CPU
)";
  ::testing::internal::CaptureStdout();
  const int code =
      run({"train", "--solver", dir / "solver.prototxt", "--out", dir / "run", "--workers", "1"});
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("8 training images of 2 classes from " + (dir / "db") + " (LMDB, (3,8,8))"),
            std::string::npos)
      << out;
  EXPECT_TRUE(fs::exists(dir / "run/weights.safetensors"));
  // Fine-tuning from a .caffemodel, as `caffe train --weights`: its layers copied by name.
  ASSERT_EQ(run({"convert", "--from", dir / "train_val.prototxt", "--weights",
                 dir / "run/weights.safetensors", "--out", dir / "tiny.prototxt"}),
            0);
  ::testing::internal::CaptureStdout();
  const int tuned = run({"train", "--solver", dir / "solver.prototxt", "--weights",
                         dir / "tiny.caffemodel", "--max-iter", "1", "--workers", "1"});
  const std::string tuned_out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(tuned, 0) << tuned_out;
  EXPECT_NE(tuned_out.find("initialised from " + (dir / "tiny.caffemodel") + ": 2 tensors copied"),
            std::string::npos)
      << tuned_out;
  EXPECT_NE(out.find("test at iteration 0:"), std::string::npos) << out;  // test_initialization
  // A LEVELDB Data layer is refused, naming the file and the layer.
  std::ofstream(dir / "leveldb.prototxt") << R"(layer { name: "d" type: "Data" top: "data"
  data_param { source: "db" batch_size: 4 } })";
  try {
    load_caffe_data_layers(dir / "leveldb.prototxt");
    FAIL() << "a LEVELDB source was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("Data layer 'd': backend LEVELDB"), std::string::npos);
  }
  // A legacy V1 net's DATA layers are read as the current ones are.
  std::ofstream(dir / "v1.prototxt") << R"(layers { name: "d" type: DATA top: "data" top: "label"
  include { phase: TEST } transform_param { scale: 0.5 mean_value: 10 }
  data_param { source: "db" batch_size: 4 backend: LMDB } }
layers { name: "ip" type: INNER_PRODUCT bottom: "data" top: "ip" inner_product_param { num_output: 2 } })";
  const std::vector<CaffeDataLayer> v1 = load_caffe_data_layers(dir / "v1.prototxt");
  ASSERT_EQ(v1.size(), 1u);
  EXPECT_EQ(v1[0].phase, Phase::kTest);
  EXPECT_EQ(v1[0].source, dir / "db");
  EXPECT_FLOAT_EQ(v1[0].transform.scale, 0.5f);
  EXPECT_EQ(v1[0].transform.mean_value, std::vector<float>{10});
  // Converted from a train_val whose Data layer has no crop_size (so --input gives the size), the
  // weights still record the transform: channels and size come from the net's input.
  std::ofstream(dir / "uncropped.prototxt") << R"(
layer { name: "data" type: "Data" top: "data" top: "label"
  transform_param { scale: 0.01 } data_param { source: "db" batch_size: 4 backend: LMDB } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)";
  ::testing::internal::CaptureStdout();
  const int converted = run({"convert", "--from", dir / "uncropped.prototxt", "--input", "3x8x8",
                             "--seed", "1", "--out", dir / "uncropped.safetensors"});
  const std::string converted_out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(converted, 0) << converted_out;
  const std::optional<InputTransform> record =
      recorded_input_transform(dir / "uncropped.safetensors");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->channels, 3);
  EXPECT_EQ(record->input_height, 8);
  EXPECT_EQ(record->input_width, 8);
  EXPECT_FLOAT_EQ(record->pixel_scale, 0.01f);
}

}  // namespace
}  // namespace svertka::testing

namespace svertka::testing {
namespace {

// BVLC's MNIST solvers and LeNet train_test net, unmodified (tests/fixtures/caffe), each run for
// two iterations on LMDBs named as the net names them (mnist_{train,test}_lmdb, found next to the
// net): random 28x28 digits, so only that they run is checked, and that each is its solver type.
TEST(BvlcSolvers, EachRunsUnmodifiedOnLmdbs) {
  TempDir dir;
  const fs::path examples = fs::path(dir.path()) / "examples/mnist";
  fs::create_directories(examples);
  for (const auto& entry : fs::directory_iterator(SVERTKA_SOURCE_DIR "/tests/fixtures/caffe"))
    if (entry.is_regular_file()) fs::copy_file(entry.path(), examples / entry.path().filename());
  for (const auto& [name, records] : {std::pair{"mnist_train_lmdb", 16}, {"mnist_test_lmdb", 8}}) {
    LmdbWriter db((examples / name).string());
    for (int i = 0; i < records; ++i) {
      Datum d = raw_datum(1, 28, 28, i % 10);
      for (size_t p = 0; p < d.data.size(); ++p)
        d.data[p] = uint8_t((p * 7 + size_t(i) * 13) % 256);
      db.put(fmt::format("{:08d}", i), serialize_datum(d));
    }
  }
  const std::pair<const char*, const char*> solvers[] = {
      {"lenet_solver.prototxt", "SGD"},
      {"lenet_solver_adam.prototxt", "Adam"},
      {"lenet_adadelta_solver.prototxt", "AdaDelta"},
      {"lenet_multistep_solver.prototxt", "SGD"},
      {"lenet_solver_rmsprop.prototxt", "RMSProp"}};
  for (const auto& [solver, type] : solvers) {
    const CaffeSolver s = load_caffe_solver((examples / solver).string());
    EXPECT_EQ(solver_type_name(s.sgd.type), type) << solver;
    ::testing::internal::CaptureStdout();
    const int code = run({"train", "--solver", (examples / solver).string(), "--max-iter", "2",
                          "--batch", "8", "--workers", "1"});
    const std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, 0) << solver << "\n" << out;
    EXPECT_NE(out.find("16 training images of 10 classes"), std::string::npos) << out;
  }
}

// BVLC's examples/cifar10 quick solver and net, unmodified, for two iterations on random 3x32x32
// LMDBs (CIFAR-10's shape) with their mean file, as create_cifar10.sh leaves them; its snapshot
// (snapshot_after_train) is written where the solver's prefix names, beside the net.
TEST(BvlcSolvers, Cifar10QuickRunsUnmodifiedOnLmdbs) {
  TempDir dir;
  const fs::path examples = fs::path(dir.path()) / "examples/cifar10";
  fs::create_directories(examples);
  for (const char* file : {"cifar10_quick_solver.prototxt", "cifar10_quick_train_test.prototxt"})
    fs::copy_file(fs::path(SVERTKA_SOURCE_DIR "/tests/fixtures/caffe/cifar10") / file,
                  examples / file);
  for (const auto& [name, records] :
       {std::pair{"cifar10_train_lmdb", 16}, {"cifar10_test_lmdb", 8}}) {
    LmdbWriter db((examples / name).string());
    for (int i = 0; i < records; ++i) {
      Datum d = raw_datum(3, 32, 32, i % 10);
      for (size_t p = 0; p < d.data.size(); ++p)
        d.data[p] = uint8_t((p * 5 + size_t(i) * 29) % 256);
      db.put(fmt::format("{:05d}", i), serialize_datum(d));
    }
  }
  save_caffe_mean((examples / "mean.binaryproto").string(), Tensor(Shape{3, 32, 32}));
  const std::string solver = (examples / "cifar10_quick_solver.prototxt").string();
  EXPECT_EQ(solver_type_name(load_caffe_solver(solver).sgd.type), "SGD");
  ::testing::internal::CaptureStdout();
  const int code = run({"train", "--solver", solver, "--max-iter", "2", "--batch", "8", "--workers",
                        "1", "--out", dir / "run"});
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("16 training images of 10 classes"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(examples / "cifar10_quick_iter_2.caffemodel")) << out;
  EXPECT_TRUE(fs::exists(examples / "cifar10_quick_iter_2.solverstate")) << out;
}

}  // namespace
}  // namespace svertka::testing
