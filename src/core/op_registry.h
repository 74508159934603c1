// The op registry: one entry per op type, defined in the op's own source file, holding what the
// rest of svertka knows about the op beyond its class — how it reads and writes shape-catalog rows
// — and small samples that the registry sweep (tests/unit/op_registry_test.cc) runs through the
// gradient check, the backend comparison and the format round trips. Its Caffe and ONNX mappings
// sit beside it, in src/ops/<op>_formats.cc (io/format_registry.h), so that the core needs no
// protobuf. The importers, exporters and the catalog reader look entries up; none of them lists op
// types.
//
// src/ops/<op>.cc defines `const OpEntry& op_entry_<op>()`. CMake lists the entries from the file
// names (docs/adding_an_op.md): an op file cannot be left out, and one without its entry function
// fails to link.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "svertka/op.h"

namespace svertka {

// A format in which the op has no counterpart says so, and why, instead of leaving a gap.
struct NoEquivalent {
  std::string_view reason;
};

template <class Mapping>
using MappingOrNone = std::variant<Mapping, NoEquivalent>;

// One row of the shape catalog (tests/support/shape_catalog.h): its kind and key=value pairs.
struct CatalogRow {
  std::string kind;
  std::map<std::string, std::string> values;

  // The value of `key` as a number, `fallback` when absent; ParamError naming a bad value.
  int64_t integer(const std::string& key, int64_t fallback) const;
  double real(const std::string& key, double fallback) const;
};

struct CatalogMapping {
  std::vector<std::string_view> kinds;  // the row kinds read: "maxpool", "avgpool"
  std::shared_ptr<Op> (*read)(const CatalogRow& row);
  CatalogRow (*write)(const Op& op);  // the row that reads back as `op`
};

// A small instance of the op with its input shapes, for the registry sweep.
struct OpSample {
  std::shared_ptr<Op> op;
  std::vector<Shape> inputs;
  // Inputs that must hold particular values (labels); the others are drawn uniform in [-1, 1].
  std::map<int, std::vector<double>> fixed_inputs;
};

struct OpEntry {
  std::string_view type;  // Op::type()
  MappingOrNone<CatalogMapping> catalog;
  std::vector<OpSample> (*samples)();
};

// Every entry, in file-name order.
const std::vector<const OpEntry*>& op_entries();
// The entry of `type`, or null.
const OpEntry* find_op_entry(std::string_view type);

// The mapping of an entry for one format, or null where it has no equivalent.
template <class Mapping>
const Mapping* mapping(const MappingOrNone<Mapping>& field) {
  return std::get_if<Mapping>(&field);
}

}  // namespace svertka
