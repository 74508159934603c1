// Crafted Caffe prototxt and caffemodel files: each is a typed error naming the file and the
// layer, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "caffe.pb.h"
#include "hostile_input.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

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
