// A BatchSource restricted to some classes of another, relabelled 0..k-1 in the order given
// (transfer learning: train on classes 0-4, extract features for 5-9).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "svertka/data/batch_source.h"

namespace svertka {

// "0-4", "5,6,7" or a mix ("0-2,7"); ParamError for anything else, a repeat or a negative class.
std::vector<int64_t> parse_class_subset(const std::string& text);

class ClassSubsetSource final : public BatchSource {
 public:
  // Reads every label of `base` once (in plain batches) to find the samples of `classes`.
  // ParamError for a class out of range of base or a subset with no sample.
  ClassSubsetSource(std::unique_ptr<BatchSource> base, std::vector<int64_t> classes);

  int64_t size() const override { return int64_t(indices_.size()); }
  Shape sample_shape() const override { return base_->sample_shape(); }
  int64_t num_classes() const override { return int64_t(classes_.size()); }
  // Sample i is the base's sample indices()[i]; its augmentation is drawn for that base index.
  void fill(std::span<const int64_t> indices, bool augment, uint64_t seed, uint64_t epoch,
            Tensor& images, Tensor& labels) const override;

  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::unique_ptr<BatchSource> base_;
  std::vector<int64_t> classes_;
  std::vector<int64_t> indices_;   // base indices of the kept samples, ascending
  std::vector<int64_t> relabel_;   // base label -> subset label, -1 if dropped
};

}  // namespace svertka
