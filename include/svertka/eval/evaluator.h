// Evaluation with test-time views and ensembles: every member net sees every view of a sample,
// its softmax is averaged over the views (and, for dense views, over the score map), and the
// ensemble averages the members' averages.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "svertka/eval/metrics.h"
#include "svertka/eval/views.h"
#include "svertka/net.h"

namespace svertka {

struct EnsembleMember {
  std::string label;  // how reports name it, e.g. the weights file
  NetSpec spec;  // as built for evaluation at the crop size (any batch: the evaluator sets its own)
  const Net* weights = nullptr;  // a net of `spec` (at any batch) holding the trained parameters
  std::string logits;            // blob of class scores
};

struct EvaluationOptions {
  CropPolicy policy = CropPolicy::kCenter;
  std::vector<int64_t> scales;  // empty: the source's own size
  // Views per forward pass (choose_eval_batch, eval_batch.h, picks one that fits the memory);
  // 0: the batch of the first member's spec. Whole images of differing sizes pass at most two at
  // a time (an image and its mirror). The figures do not depend on it.
  int64_t batch = 0;
  std::function<void(int64_t done, int64_t total)> progress;
};

struct Prediction {
  int64_t label = 0;
  std::vector<int64_t> classes;      // top 5 (fewer with fewer classes), best first
  std::vector<float> probabilities;  // of those classes
};

struct EvaluationResult {
  std::vector<TopKCounts> members;  // one per member, in order
  TopKCounts ensemble;
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class], ensemble
  std::vector<Prediction> predictions;          // ensemble, one per sample
  int64_t views_per_sample = 0;
};

// ParamError for no members or members whose class counts differ from each other or the data's.
EvaluationResult evaluate_ensemble(const std::vector<EnsembleMember>& members,
                                   const ViewSource& data, const EvaluationOptions& options);

// Top-k of one row of probabilities, best first (ties: the lower class first).
Prediction top_classes(const float* probabilities, int64_t classes, int64_t k, int64_t label);

}  // namespace svertka
