#include "svertka/data/class_subset.h"

#include <algorithm>
#include <sstream>

#include "svertka/error.h"

namespace svertka {

std::vector<int64_t> parse_class_subset(const std::string& text) {
  std::vector<int64_t> classes;
  std::stringstream ss(text);
  std::string part;
  auto fail = [&] {
    throw ParamError("class subset expects classes like '0-4' or '5,6,7', got '" + text + "'");
  };
  while (std::getline(ss, part, ',')) {
    try {
      size_t used = 0;
      const int64_t first = std::stoll(part, &used);
      int64_t last = first;
      if (used < part.size()) {
        if (part[used] != '-') fail();
        const std::string rest = part.substr(used + 1);
        size_t used2 = 0;
        last = std::stoll(rest, &used2);
        if (used2 != rest.size()) fail();
      }
      if (first < 0 || last < first) fail();
      for (int64_t c = first; c <= last; ++c) {
        if (std::find(classes.begin(), classes.end(), c) != classes.end())
          throw ParamError("class subset '" + text + "' names class " + std::to_string(c) +
                           " twice");
        classes.push_back(c);
      }
    } catch (const std::logic_error&) {
      fail();
    }
  }
  if (classes.empty()) fail();
  return classes;
}

ClassSubsetSource::ClassSubsetSource(std::unique_ptr<BatchSource> base,
                                     std::vector<int64_t> classes)
    : base_(std::move(base)), classes_(std::move(classes)) {
  relabel_.assign(size_t(base_->num_classes()), -1);
  for (size_t i = 0; i < classes_.size(); ++i) {
    if (classes_[i] < 0 || classes_[i] >= base_->num_classes())
      throw ParamError("class " + std::to_string(classes_[i]) + " is out of range for a dataset of " +
                       std::to_string(base_->num_classes()) + " classes");
    relabel_[size_t(classes_[i])] = int64_t(i);
  }
  const Shape s = base_->sample_shape();
  const int64_t chunk = 1024;
  for (int64_t begin = 0; begin < base_->size(); begin += chunk) {
    const int64_t count = std::min(chunk, base_->size() - begin);
    std::vector<int64_t> ids(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) ids[size_t(i)] = begin + i;
    Tensor images(Shape{count, s[0], s[1], s[2]}), labels(Shape{count});
    base_->fill(ids, false, 0, 0, images, labels);
    for (int64_t i = 0; i < count; ++i)
      if (relabel_[size_t(labels[i])] >= 0) indices_.push_back(begin + i);
  }
  if (indices_.empty()) throw ParamError("the class subset has no samples in the dataset");
}

void ClassSubsetSource::fill(std::span<const int64_t> indices, bool augment, uint64_t seed,
                             uint64_t epoch, Tensor& images, Tensor& labels) const {
  std::vector<int64_t> mapped(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= size())
      throw ParamError("class subset: index " + std::to_string(indices[i]) +
                       " is out of range for " + std::to_string(size()) + " samples");
    mapped[i] = indices_[size_t(indices[i])];
  }
  base_->fill(mapped, augment, seed, epoch, images, labels);
  for (int64_t i = 0; i < labels.numel(); ++i) labels[i] = float(relabel_[size_t(labels[i])]);
}

}  // namespace svertka
