// Crafted ONNX graphs: each is a typed error naming the file and the node, never a crash.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "hostile_input.h"
#include "onnx.pb.h"
#include "svertka/error.h"
#include "svertka/io/onnx.h"

namespace svertka::testing {
namespace {

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, std::vector<std::string> in,
                          std::vector<std::string> out) {
  onnx::NodeProto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(op + "_node");
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

onnx::TensorProto* add_floats(onnx::GraphProto& g, const std::string& name,
                              std::vector<int64_t> dims, int64_t count) {
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(std::string(size_t(count) * 4, '\0'));
  return t;
}

onnx::TensorProto* add_int64s(onnx::GraphProto& g, const std::string& name,
                              std::vector<int64_t> values) {
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(int64_t(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return t;
}

void set_attr_int(onnx::NodeProto* n, const std::string& name, int64_t value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

// A model reading x (1,2,4,4) with a conv weight w (2,2,1,1), whose nodes `add_nodes` adds, saved
// in `dir`; returns its path.
std::string write_model(const HostileDir& dir,
                        const std::function<void(onnx::GraphProto&)>& add_nodes,
                        std::vector<int64_t> input = {1, 2, 4, 4}) {
  onnx::ModelProto model;
  model.set_ir_version(6);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto& g = *model.mutable_graph();
  auto* x = g.add_input();
  x->set_name("x");
  auto* tensor = x->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : input) tensor->mutable_shape()->add_dim()->set_dim_value(d);
  add_floats(g, "w", {2, 2, 1, 1}, 4);
  add_nodes(g);
  return dir.write("hostile.onnx", model.SerializeAsString());
}

TEST(HostileOnnx, ConvBiasWithMoreValuesThanChannelsIsAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_floats(g, "b", {1000000}, 1000000);
    add_node(g, "Conv", {"x", "w", "b"}, {"y"});
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "node 'Conv_node' (Conv)", "(2)"});
}

TEST(HostileOnnx, ReshapeFoldedToAnotherElementCountIsAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_floats(g, "small", {4}, 4);
    add_int64s(g, "shape", {1000, 1000, 1, 1});
    add_node(g, "Reshape", {"small", "shape"}, {"w2"});
    add_node(g, "Conv", {"x", "w2"}, {"y"});
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "Reshape_node", "cannot reshape"});
}

TEST(HostileOnnx, ReshapeWithTwoInferredDimensionsIsAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_floats(g, "small", {4}, 4);
    add_int64s(g, "shape", {-1, -1});
    add_node(g, "Reshape", {"small", "shape"}, {"w2"});
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "Reshape_node"});
}

TEST(HostileOnnx, SoftmaxAxisFarOutOfRangeIsAnError) {
  for (const int64_t axis : {int64_t{1000000}, int64_t{-1000000}, int64_t{1} << 40}) {
    SCOPED_TRACE(axis);
    HostileDir dir;
    const std::string path = write_model(dir, [&](onnx::GraphProto& g) {
      set_attr_int(add_node(g, "Softmax", {"x"}, {"y"}), "axis", axis);
    });
    expect_error<IoError>([&] { load_onnx(path); },
                          {path, "node 'Softmax_node' (Softmax)", "out of range"});
  }
}

TEST(HostileOnnx, ConcatAxisOutOfRangeIsAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    set_attr_int(add_node(g, "Concat", {"x", "x"}, {"y"}), "axis", 7);
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "Concat_node", "out of range"});
}

TEST(HostileOnnx, ConvWithoutItsWeightIsAnError) {
  HostileDir dir;
  const std::string path =
      write_model(dir, [](onnx::GraphProto& g) { add_node(g, "Conv", {"x"}, {"y"}); });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "Conv_node"});
}

TEST(HostileOnnx, AddWithoutInputsIsAnError) {
  HostileDir dir;
  const std::string path =
      write_model(dir, [](onnx::GraphProto& g) { add_node(g, "Add", {}, {"y"}); });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "Add_node"});
}

TEST(HostileOnnx, StridesGivenAsOneIntIsAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    set_attr_int(add_node(g, "Conv", {"x", "w"}, {"y"}), "strides", 2);
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "Conv_node", "strides"});
}

TEST(HostileOnnx, InitializerDimsThatOverflowAreAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_floats(g, "huge", {int64_t{1} << 32, int64_t{1} << 32, 4}, 0);
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "huge"});
}

TEST(HostileOnnx, NegativeInitializerDimsAreAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_floats(g, "neg", {-2, -2}, 4);
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "neg"});
}

TEST(HostileOnnx, RawDataOfPartValuesIsAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_floats(g, "odd", {2}, 2)->mutable_raw_data()->resize(7);
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "odd", "whole number"});
}

TEST(HostileOnnx, ConstantOfShapeTooLargeIsAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_int64s(g, "big", {1 << 20, 1 << 20});
    add_node(g, "ConstantOfShape", {"big"}, {"c"});
  });
  expect_error<IoError>([&] { load_onnx(path); }, {path, "ConstantOfShape_node", "would need"});
}

// Each of these graphs claims more memory than its bytes pay for (megabytes here, against a small
// limit; gigabytes in a hostile file): what the import would hold is counted before each
// allocation, so the error comes before the memory is touched.
TEST(HostileOnnx, ConstantsSummingPastTheLimitAreAnError) {
  HostileDir dir;
  const std::string path = write_model(dir, [](onnx::GraphProto& g) {
    add_int64s(g, "shape", {1 << 9, 1 << 9});  // 1 MB of floats each
    for (int i = 0; i < 8; ++i)
      add_node(g, "ConstantOfShape", {"shape"}, {std::to_string(i)});
  });
  OnnxImportOptions options;
  options.max_bytes = 4 << 20;
  expect_error<IoError>([&] { load_onnx(path, options); }, {path, "would need", "max_bytes"});
}

TEST(HostileOnnx, OneWeightCopiedByManyNodesIsBoundedByTheLimit) {
  HostileDir dir;
  OnnxImportOptions options;
  options.max_bytes = 1 << 20;
  const std::string identities = write_model(dir, [](onnx::GraphProto& g) {
    add_floats(g, "big", {1 << 16}, 1 << 16);  // 256 KB, copied until the limit
    for (int i = 0; i < 8; ++i)
      add_node(g, "Identity", {i == 0 ? "big" : std::to_string(i - 1)}, {std::to_string(i)});
  });
  expect_error<IoError>([&] { load_onnx(identities, options); }, {identities, "Identity"});

  const std::string convs = write_model(dir, [](onnx::GraphProto& g) {  // x (1,2,4,4), w (2,2,1,1)
    for (int i = 0; i < 10'000; ++i)
      add_node(g, "Conv", {i == 0 ? "x" : std::to_string(i - 1), "w"}, {std::to_string(i)});
  });
  options.max_bytes = 1 << 14;  // 1,024 copies of the 16-byte weight
  expect_error<IoError>([&] { load_onnx(convs, options); }, {convs, "Conv", "would need"});
}

TEST(HostileOnnx, OpErrorsNameTheFileAndTheNode) {
  HostileDir dir;  // a 4-D convolution weight over a 2-D input: the op's own ShapeError
  const std::string path = write_model(dir,
                                       [](onnx::GraphProto& g) {
                                         add_node(g, "Conv", {"x", "w"}, {"y"});
                                       },
                                       {1, 2});
  expect_error<ShapeError>([&] { load_onnx(path); }, {path, "node 'Conv_node' (Conv)"});
}

TEST(HostileOnnx, GraphInputWhoseElementCountOverflowsIsAnError) {
  HostileDir dir;
  const std::string path =
      write_model(dir, [](onnx::GraphProto&) {}, {int64_t{1} << 40, int64_t{1} << 40});
  expect_error<IoError>([&] { load_onnx(path); }, {path, "graph input 'x'"});
}

}  // namespace
}  // namespace svertka::testing
