// What `svertka eval` prints and writes about an evaluation.
#pragma once

#include <string>
#include <vector>

#include "svertka/eval/eval_batch.h"
#include "svertka/eval/evaluator.h"

namespace svertka::cli {

// The views per forward pass: `given` (--batch, when positive) or choose_eval_batch's, printed to
// stderr after `command` with the plan ("eval: batch 40 views: planned 0.6 GB of 18.3 GB
// available (budget 9.2 GB)"), so stdout stays the results.
int64_t eval_batch(const std::string& command, int64_t given, const EvalBatchRequest& request);

// Each member's and (for several) the ensemble's top-1 / top-5 error.
void print_evaluation(const std::vector<EnsembleMember>& members, const EvaluationResult& result,
                      const std::string& crops);

// Into folder `out` (created): metrics.json, per_class.csv (class, images, top-1 accuracy),
// confusion.csv (rows: true class, columns: predicted) and predictions.csv (index, the sample's
// path from `paths` when given, label, the top 5 classes and probabilities). IoError if a file
// cannot be written.
void write_evaluation(const std::string& out, const std::vector<EnsembleMember>& members,
                      const EvaluationResult& result, const std::vector<std::string>& paths = {});

}  // namespace svertka::cli
