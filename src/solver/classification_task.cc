// Classification's validation, and evaluate(): top-1/top-5 counts over samples of a dataset.
#include "svertka/blob_names.h"
#include "svertka/data/pipeline.h"
#include "svertka/solver/train_task.h"
#include "svertka/solver/trainer.h"

namespace svertka {
namespace {

// Samples [range.begin, range.end) of `data`, in batches of the net's batch size (the last one
// padded with repeats of the last sample).
TopKCounts evaluate_range(Net& net, const BatchSource& data, const std::string& logits, Range range,
                          const std::function<void(int64_t, int64_t)>& progress, int workers) {
  Tensor& images = net.input(kDataBlob);
  Tensor& labels = net.input(kLabelBlob);
  const int64_t batch = images.dim(0), total = range.end - range.begin;
  TopKCounts counts;
  if (total <= 0) return counts;
  std::vector<int64_t> indices;
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    for (int64_t i = 0; i < batch; ++i)
      indices.push_back(range.begin + begin + std::min(i, count - 1));
  }
  BatchPipeline pipeline(data, std::move(indices), batch,
                         {.workers = workers, .augment = false, .seed = 0, .epoch = 0});
  for (int64_t begin = 0; begin < total; begin += batch) {
    const int64_t count = std::min(batch, total - begin);
    pipeline.next(images, labels);
    net.forward();
    counts += count_top_k(net.blob(logits), labels, count);
    if (progress) progress(begin + count, total);
  }
  return counts;
}

}  // namespace

ValidationCounts ClassificationTask::validate(Net& net, const BatchSource& data, Range range,
                                              int workers) const {
  const TopKCounts counts = evaluate_range(net, data, logits_, range, {}, workers);
  return {.samples = counts.samples, .top1 = counts.top1, .top5 = counts.top5};
}

TopKCounts evaluate(Net& net, const BatchSource& data, const std::string& logits,
                    const std::function<void(int64_t, int64_t)>& progress, int workers) {
  return evaluate_range(net, data, logits, {0, data.size()}, progress, workers);
}

}  // namespace svertka
