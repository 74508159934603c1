// Crafted Caffe prototxt and caffemodel files: each is a typed error naming the file and the
// layer, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "caffe.pb.h"
#include "hostile_input.h"
#include "svertka/error.h"
#include "svertka/infer_shapes.h"
#include "svertka/io/caffe.h"
#include "svertka/memory.h"
#include "svertka/net.h"

namespace svertka::testing {
namespace {

const char* const kConvNet = R"(
name: "n"
layer { name: "data" type: "Input" top: "data"
        input_param { shape { dim: 1 dim: 2 dim: 4 dim: 4 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 2 kernel_size: 1 } }
)";

TEST(HostileCaffe, DummyDataWithOnlyNumIsAnError) {
  HostileDir dir;
  const std::string path = dir.write("dummy.prototxt", R"(
layer { name: "d" type: "DummyData" top: "data" dummy_data_param { num: 2 } }
)");
  expect_error<IoError>([&] { load_caffe_net(path); }, {path, "layer 'd' (DummyData)", "channels"});
}

TEST(HostileCaffe, DummyDataWithFewerShapesThanTopsIsAnError) {
  HostileDir dir;
  const std::string path = dir.write("dummy.prototxt", R"(
layer { name: "d" type: "DummyData" top: "a" top: "b" top: "c"
        dummy_data_param { shape { dim: 1 } shape { dim: 2 } } }
)");
  expect_error<IoError>([&] { load_caffe_net(path); }, {path, "layer 'd' (DummyData)", "shape"});
}

TEST(HostileCaffe, InputWithMoreTopsThanShapesIsAnError) {
  HostileDir dir;
  const std::string path = dir.write("input.prototxt", R"(
layer { name: "in" type: "Input" top: "a" top: "b" top: "c"
        input_param { shape { dim: 1 } shape { dim: 2 } } }
)");
  expect_error<IoError>([&] { load_caffe_net(path); }, {path, "layer 'in' (Input)", "3 tops"});
}

TEST(HostileCaffe, DataLayerWithoutTopsIsAnError) {
  HostileDir dir;
  const std::string path = dir.write("data.prototxt", R"(
layer { name: "d" type: "Data" transform_param { crop_size: 4 } data_param { batch_size: 2 } }
)");
  expect_error<IoError>([&] { load_caffe_net(path); }, {path, "layer 'd' (Data)", "no top"});
}

TEST(HostileCaffe, InputShapesThatOverflowOrAreNegativeAreErrors) {
  for (const std::string dims : {"dim: -4 dim: 2", "dim: 4294967296 dim: 4294967296 dim: 4"}) {
    SCOPED_TRACE(dims);
    HostileDir dir;
    const std::string path = dir.write(
        "input.prototxt",
        "layer { name: 'in' type: 'Input' top: 'a' input_param { shape { " + dims + " } } }");
    expect_error<IoError>([&] { load_caffe_net(path); }, {path, "layer 'in' (Input)"});
  }
}

// A caffemodel whose layer "conv" holds `blobs`.
std::string write_caffemodel(const HostileDir& dir, const std::vector<caffe::BlobProto>& blobs) {
  caffe::NetParameter net;
  caffe::LayerParameter* conv = net.add_layer();
  conv->set_name("conv");
  conv->set_type("Convolution");
  for (const caffe::BlobProto& b : blobs) *conv->add_blobs() = b;
  return dir.write("weights.caffemodel", net.SerializeAsString());
}

caffe::BlobProto blob(std::vector<int64_t> dims, int values) {
  caffe::BlobProto b;
  for (int64_t d : dims) b.mutable_shape()->add_dim(d);
  for (int i = 0; i < values; ++i) b.add_data(1);
  return b;
}

// An op's own error (a group that does not divide the channels) appears when the net's shapes are
// walked or the net is built, after the file was read: it names the file too, keeping its type.
TEST(HostileCaffe, AnOpsShapeErrorNamesTheFile) {
  HostileDir dir;
  const std::string path = dir.write("group.prototxt", R"(
name: "n"
layer { name: "data" type: "Input" top: "data"
        input_param { shape { dim: 1 dim: 4 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 8 kernel_size: 3 group: 3 } }
)");
  const ImportedModel model = load_caffe_net(path);
  EXPECT_EQ(model.spec.source, path);
  for (const Phase phase : {Phase::kTest, Phase::kTrain}) {
    expect_error<ParamError>([&] { infer_shapes(model.spec, phase); },
                             {path + ": ", "'conv'", "groups=3"});
    expect_error<ParamError>([&] { Net net(model.spec, {.phase = phase}); },
                             {path + ": ", "'conv'", "groups=3"});
  }
}

// A net whose shapes would take more memory than the machine has (RAM and swap) is refused before
// its buffers are allocated: Linux would grant each of them and kill the process on first touch.
// Here ten layers of a quarter of the machine each (TRAIN keeps every activation); and a parameter
// past a limit given in NetOptions.
TEST(HostileCaffe, ANetLargerThanTheMachineIsRefusedBeforeAllocating) {
  const int64_t quarter = host_memory_bytes() / 4 / int64_t(sizeof(float));
  std::string text =
      "name: \"big\"\nlayer { name: \"data\" type: \"Input\" top: \"r0\" "
      "input_param { shape { dim: 1 dim: " +
      std::to_string(quarter) + " } } }\n";
  for (int i = 1; i <= 10; ++i) {
    const std::string bottom = "r" + std::to_string(i - 1), top = "r" + std::to_string(i);
    text += "layer { name: \"" + top + "\" type: \"ReLU\" bottom: \"" + bottom + "\" top: \"" +
            top + "\" }\n";
  }
  HostileDir dir;
  const std::string path = dir.write("big.prototxt", text);
  const ImportedModel model = load_caffe_net(path);
  expect_error<ResourceError>(
      [&] { Net net(model.spec, {.phase = Phase::kTrain}); },
      {path + ": ", "net 'big' would need over", "GB", "this machine has (RAM and swap)"});

  const ImportedModel conv = load_caffe_net(dir.write("conv.prototxt", kConvNet));
  EXPECT_NO_THROW(Net(conv.spec, {.phase = Phase::kTest, .max_bytes = 1 << 20}));
  expect_error<ResourceError>(
      [&] { Net net(conv.spec, {.phase = Phase::kTest, .max_bytes = 8}); },
      {"would need over 16 bytes with layer 'conv' and its parameter (2,2,1,1)",
       "more than the 8 bytes it may use (NetOptions::max_bytes)"});
}

TEST(HostileCaffe, CaffemodelBlobsOfTheWrongCountOrShapeAreErrors) {
  HostileDir dir;
  const std::string prototxt = dir.write("net.prototxt", kConvNet);
  const NetSpec spec = load_caffe_net(prototxt).spec;
  const std::vector<std::vector<caffe::BlobProto>> cases = {
      {blob({2, 2, 1, 1}, 4), blob({1000000}, 1000)},
      {blob({2, 2, 1, 1}, 4), blob({-1, -2}, 2)},
      {blob({int64_t{1} << 32, int64_t{1} << 32, 4}, 4), blob({2}, 2)},
      {blob({2, 2, 1, 1}, 4)},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const std::string path = write_caffemodel(dir, cases[i]);
    expect_error<IoError>([&] { load_caffemodel(path, spec); }, {path, "layer 'conv'"});
  }
}

}  // namespace
}  // namespace svertka::testing
