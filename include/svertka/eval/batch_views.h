// Test-time views of a dataset that gives its samples at one size (a Caffe LMDB, whose transform
// already crops): the centre view alone, which is the sample as the source gives it.
#pragma once

#include "svertka/data/batch_source.h"
#include "svertka/eval/views.h"

namespace svertka {

class BatchViewSource final : public ViewSource {
 public:
  explicit BatchViewSource(const BatchSource& source) : source_(source) {}  // must outlive this

  int64_t size() const override { return source_.size(); }
  int64_t num_classes() const override { return source_.num_classes(); }
  Shape crop_shape() const override { return source_.sample_shape(); }
  Shape whole_shape(int64_t, const View&) const override { return source_.sample_shape(); }
  bool uniform_whole_shape() const override { return true; }
  // ParamError for any view but the centre one (and the whole sample, the same).
  void fill(std::span<const SampleView> items, Tensor& images, Tensor& labels) const override;

 private:
  const BatchSource& source_;
};

}  // namespace svertka
