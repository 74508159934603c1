// What `svertka eval` prints and writes about an evaluation.
#pragma once

#include <string>
#include <vector>

#include "svertka/eval/evaluator.h"

namespace svertka::cli {

// Each member's and (for several) the ensemble's top-1 / top-5 error.
void print_evaluation(const std::vector<EnsembleMember>& members, const EvaluationResult& result,
                      const std::string& crops);

// Into folder `out` (created): metrics.json, per_class.csv (class, images, top-1 accuracy),
// confusion.csv (rows: true class, columns: predicted) and predictions.csv (index, label, the
// top 5 classes and probabilities). IoError if a file cannot be written.
void write_evaluation(const std::string& out, const std::vector<EnsembleMember>& members,
                      const EvaluationResult& result);

}  // namespace svertka::cli
