#include "shape_catalog.h"

#include <fstream>
#include <sstream>

#include "core/op_registry.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

Shape parse_shape(const std::string& text) {
  std::vector<int64_t> dims;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, 'x')) dims.push_back(std::stoll(part));
  return Shape(dims);
}

}  // namespace

const CatalogMapping* catalog_mapping(const std::string& kind) {
  for (const OpEntry* entry : op_entries())
    if (const CatalogMapping* catalog = mapping(entry->catalog))
      for (std::string_view k : catalog->kinds)
        if (k == kind) return catalog;
  return nullptr;
}

std::shared_ptr<Op> CatalogEntry::make_op() const {
  const CatalogMapping* catalog = catalog_mapping(kind);
  if (!catalog) throw NotFoundError("shape catalog: no op reads the kind '" + kind + "'");
  std::shared_ptr<Op> op = catalog->read(CatalogRow{kind, params});
  op->set_name(net + "/" + layer);
  return op;
}

std::vector<CatalogEntry> load_catalog(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot open shape catalog " + path);
  std::vector<CatalogEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    CatalogEntry e;
    std::string shape;
    if (!(ss >> e.net >> e.layer >> e.kind >> shape))
      throw IoError(path + ":" + std::to_string(number) +
                    ": expected '<net> <layer> <kind> <NxCxHxW> key=value...'");
    try {
      e.input = parse_shape(shape);
    } catch (const std::exception&) {
      throw IoError(path + ":" + std::to_string(number) + ": bad shape '" + shape + "'");
    }
    std::string kv;
    while (ss >> kv) {
      auto eq = kv.find('=');
      if (eq == std::string::npos)
        throw IoError(path + ":" + std::to_string(number) + ": expected key=value, got '" + kv +
                      "'");
      e.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    e.line = line;
    entries.push_back(std::move(e));
  }
  return entries;
}

const std::vector<CatalogEntry>& shape_catalog() {
  static const std::vector<CatalogEntry> catalog = load_catalog(SVERTKA_SHAPE_CATALOG);
  return catalog;
}

std::vector<CatalogEntry> catalog_entries(const std::string& kind) {
  std::vector<CatalogEntry> out;
  for (const auto& e : shape_catalog())
    if (e.kind == kind) out.push_back(e);
  return out;
}

}  // namespace svertka::testing
