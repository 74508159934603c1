// Test-time views of a dataset that gives its samples at the net's input size, where a crop and the
// whole sample have the sample's shape: SampleSizedViews. BatchViewSource is such a dataset that
// has already cropped (a Caffe LMDB, whose transform crops): the centre view alone, which is the
// sample as the source gives it. IdxViewSource (idx_views.h) is the other kind.
#pragma once

#include "svertka/data/batch_source.h"
#include "svertka/eval/views.h"

namespace svertka {

class SampleSizedViews : public ViewSource {
 public:
  explicit SampleSizedViews(const BatchSource& source) : samples_(source) {}  // must outlive this

  int64_t size() const override { return samples_.size(); }
  int64_t num_classes() const override { return samples_.num_classes(); }
  Shape crop_shape() const override { return samples_.sample_shape(); }
  Shape whole_shape(int64_t, const View&) const override { return samples_.sample_shape(); }
  bool uniform_whole_shape() const override { return true; }

 protected:
  const BatchSource& samples_;
};

class BatchViewSource final : public SampleSizedViews {
 public:
  using SampleSizedViews::SampleSizedViews;
  // ParamError for any view but the centre one (and the whole sample, the same).
  void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const override;
};

}  // namespace svertka
