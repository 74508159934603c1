// The format registry: each op's Caffe and ONNX mappings, defined beside the op in
// src/ops/<op>_formats.cc as `const FormatEntry& format_entry_<op>()` (listed by CMake from the
// file names, like the op entries of core/op_registry.h). It belongs to the model-formats component
// (protobuf); the op entry itself, in the core, does not. The Caffe and ONNX readers and writers
// look mappings up here; none of them lists op types. The registry sweep
// (tests/unit/op_registry_test.cc) fails for an op without a format entry.
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "core/op_registry.h"

namespace svertka {

namespace caffe_io {
class LayerReader;
class LayerWriter;
class BlobReader;
}  // namespace caffe_io
namespace onnx_io {
class NodeReader;
class NodeWriter;
}  // namespace onnx_io

struct CaffeMapping {
  std::string_view layer_type;  // LayerParameter.type, "LRN"
  // The V1LayerParameter.LayerType enum name of legacy `layers {}` files, "LRN".
  std::variant<std::string_view, NoEquivalent> v1_type;
  // Adds the op for reader.layer() (a mapping may also take the layer after it: BatchNorm's Scale).
  void (*read)(caffe_io::LayerReader& reader);
  // Fills writer.layer() (a mapping may add layers after it) and, where they are not simply the
  // op's parameters in order on that layer, the weight blobs.
  void (*write)(caffe_io::LayerWriter& writer);
  // Reads the parameters from a .caffemodel; null: the layer's blobs in param_names() order.
  void (*read_blobs)(caffe_io::BlobReader& reader) = nullptr;
};

struct OnnxMapping {
  std::vector<std::string_view> node_types;  // NodeProto.op_type values read: "MaxPool", ...
  void (*read)(onnx_io::NodeReader& reader);
  void (*write)(onnx_io::NodeWriter& writer);
};

struct FormatEntry {
  std::string_view type;  // Op::type()
  MappingOrNone<CaffeMapping> caffe;
  MappingOrNone<OnnxMapping> onnx;
};

// Every entry, in file-name order.
const std::vector<const FormatEntry*>& format_entries();
// The entry of `type`, or null.
const FormatEntry* find_format_entry(std::string_view type);

}  // namespace svertka
