#include "shape_catalog.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "ops/conv.h"
#include "ops/inner_product.h"
#include "ops/lrn.h"
#include "ops/pooling.h"
#include "svertka/error.h"

namespace svertka::testing {
namespace {

int64_t get(const CatalogEntry& e, const std::string& key, int64_t fallback) {
  auto it = e.params.find(key);
  return it == e.params.end() ? fallback : std::stoll(it->second);
}
[[maybe_unused]] double get_real(const CatalogEntry& e, const std::string& key, double fallback) {
  auto it = e.params.find(key);
  return it == e.params.end() ? fallback : std::stod(it->second);
}

using OpMaker = std::function<std::unique_ptr<Op>(const CatalogEntry&)>;

OpMaker pool_maker(PoolMethod method) {
  return [method](const CatalogEntry& e) {
    PoolParams p;
    p.method = method;
    p.kernel_h = p.kernel_w = get(e, "kernel", 1);
    p.stride_h = p.stride_w = get(e, "stride", 1);
    p.pad_h = p.pad_w = get(e, "pad", 0);
    return std::make_unique<PoolOp>(p);
  };
}

const std::map<std::string, OpMaker>& op_makers() {
  static const std::map<std::string, OpMaker> makers{
      {"conv",
       [](const CatalogEntry& e) {
         ConvParams p;
         p.out_channels = get(e, "out", 0);
         p.kernel_h = p.kernel_w = get(e, "kernel", 1);
         p.stride_h = p.stride_w = get(e, "stride", 1);
         p.pad_h = p.pad_w = get(e, "pad", 0);
         p.groups = get(e, "groups", 1);
         return std::make_unique<ConvOp>(p);
       }},
      {"fc",
       [](const CatalogEntry& e) {
         InnerProductParams p;
         p.out_features = get(e, "out", 0);
         return std::make_unique<InnerProductOp>(p);
       }},
      {"maxpool", pool_maker(PoolMethod::kMax)},
      {"avgpool", pool_maker(PoolMethod::kAverage)},
      {"lrn",
       [](const CatalogEntry& e) {
         LrnParams p;
         p.local_size = get(e, "size", p.local_size);
         p.alpha = get_real(e, "alpha", p.alpha);
         p.beta = get_real(e, "beta", p.beta);
         p.k = get_real(e, "k", p.k);
         return std::make_unique<LrnOp>(p);
       }},
  };
  return makers;
}

Shape parse_shape(const std::string& text) {
  std::vector<int64_t> dims;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, 'x')) dims.push_back(std::stoll(part));
  return Shape(dims);
}

}  // namespace

std::unique_ptr<Op> CatalogEntry::make_op() const {
  auto it = op_makers().find(kind);
  if (it == op_makers().end()) throw NotFoundError("shape catalog: unknown kind '" + kind + "'");
  auto op = it->second(*this);
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
