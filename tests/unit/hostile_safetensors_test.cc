// Crafted safetensors files: each is a typed error naming the file, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "hostile_input.h"
#include "svertka/error.h"
#include "svertka/io/model_loading.h"
#include "svertka/io/safetensors.h"
#include "svertka/net.h"
#include "svertka/solver/checkpoint.h"
#include "svertka/solver/sgd.h"

namespace svertka::testing {
namespace {

std::string le64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char((value >> (8 * i)) & 0xff);
  return bytes;
}

std::string safetensors_with_header(const std::string& header) {
  return le64(header.size()) + header;
}

TEST(HostileSafetensors, DeeplyNestedHeaderIsAnErrorNotAStackOverflow) {
  HostileDir dir;
  const std::string nested = std::string(300000, '[') + std::string(300000, ']');
  const std::string path = dir.write("nested.safetensors", safetensors_with_header(nested));
  expect_error<IoError>([&] { load_safetensors(path); }, {path, "nests"});
  expect_error<IoError>([&] { read_safetensors_shapes(path); }, {path, "nests"});
}

// fuzz_safetensors found this one: nlohmann's parser throws out_of_range, not parse_error.
TEST(HostileSafetensors, NumberTooLargeForADoubleIsAnError) {
  HostileDir dir;
  const std::string header = R"({"__metadata__": {"format": 66e666}})";
  const std::string path = dir.write("overflow.safetensors", safetensors_with_header(header));
  expect_error<IoError>([&] { load_safetensors(path); }, {path, "not valid JSON", "66e666"});
}

TEST(HostileSafetensors, DeeplyNestedTensorEntryIsAnError) {
  HostileDir dir;
  const std::string header = "{\"w\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  const std::string path = dir.write("entry.safetensors", safetensors_with_header(header));
  expect_error<IoError>([&] { load_safetensors(path); }, {path});
}

TEST(HostileSafetensors, HugeValueIsQuotedShort) {
  HostileDir dir;
  std::string list = "[";
  for (int i = 0; i < 100000; ++i) list += (i ? ",\"x\"" : "\"x\"");
  list += "]";
  const std::string path =
      dir.write("long.safetensors", safetensors_with_header("{\"w\": " + list + "}"));
  const std::string message = expect_error<IoError>([&] { load_safetensors(path); }, {path, "w"});
  EXPECT_LT(message.size(), 2000u);
}

TEST(HostileSafetensors, ShapeWhoseElementCountOverflowsIsAnError) {
  HostileDir dir;
  const std::string header =
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}})";
  const std::string path = dir.write("overflow.safetensors", safetensors_with_header(header));
  expect_error<IoError>([&] { load_safetensors(path); }, {path, "too large"});
}

TEST(HostileSafetensors, CheckpointStateNestedDeeplyIsAnError) {
  HostileDir dir;
  const ImportedModel model =
      load_model("lenet", "", {.model = {.num_classes = 10, .channels = 1, .batch = 2}});
  Net net(model.spec);
  SgdSolver solver(net.params(), SgdOptions{});
  const std::string path = dir.file("checkpoint.safetensors");
  save_checkpoint(path, net, solver, TrainingState{});
  SafetensorsContents contents = load_safetensors(path);
  contents.metadata["svertka_checkpoint"] = std::string(100000, '[') + std::string(100000, ']');
  save_safetensors(path, contents.tensors, contents.metadata);
  expect_error<IoError>([&] { load_checkpoint(path, net, solver); }, {path});
}

}  // namespace
}  // namespace svertka::testing
