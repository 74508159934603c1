// The shape catalog: every distinct conv / pool / LRN / FC layer of AlexNet, VGG-16 and GoogLeNet
// (shapes/catalog.txt), read by the backend tests and the op benchmarks alike, so that what we
// benchmark is exactly what we test and train (after oneDNN benchdnn's shapes_* files).
//
// A line:  <net> <layer> <kind> <input NxCxHxW> key=value...
// Each op reads and writes its kinds' rows through its registry entry (core/op_registry.h): conv
// (out kernel stride pad groups), maxpool / avgpool (kernel stride pad), lrn (size alpha beta k),
// fc (out).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/op_registry.h"
#include "svertka/op.h"

namespace svertka::testing {

struct CatalogEntry {
  std::string net, layer, kind;
  Shape input;
  std::map<std::string, std::string> params;
  std::string line;  // as written, for test names and messages

  // The op of the row, by the registry entry that reads its kind; NotFoundError if none does.
  std::shared_ptr<Op> make_op() const;
};

// The catalog mapping that reads rows of `kind`, or null.
const CatalogMapping* catalog_mapping(const std::string& kind);

// Parses a catalog file; throws IoError naming the file and line on a malformed entry.
std::vector<CatalogEntry> load_catalog(const std::string& path);
// The catalog shipped in the source tree (path baked in at build time).
const std::vector<CatalogEntry>& shape_catalog();
std::vector<CatalogEntry> catalog_entries(const std::string& kind);

}  // namespace svertka::testing
