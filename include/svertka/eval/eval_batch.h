// How many views one forward pass of evaluation (eval, predict, extract) takes: chosen from the
// nets' memory plans (plan_test_memory, nothing allocated) and the memory the machine has, so that
// no paper protocol runs out of memory with default options, and printed so the user sees why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "svertka/eval/views.h"
#include "svertka/net.h"

namespace svertka {

// The share of the available memory evaluation may plan for: the rest is left to the page cache,
// the decoder and whatever else runs.
inline constexpr double kEvalMemoryFraction = 0.5;
// The activations one pass aims at. Beyond this a larger batch gains little on a CPU (the
// convolutions are large at batch 1; the FC weights are read once per pass), while every byte
// more is resident: AlexNet gets 20 views per pass (two images' 10 crops), VGG-16 2, GoogLeNet 7.
// At 128 MB AlexNet's 40 views peaked at 681 MiB against PyTorch's 578 (docs/BENCHMARKS.md).
inline constexpr int64_t kEvalWorkingSetBytes = int64_t{64} << 20;

// MemAvailable from /proc/meminfo, in bytes; 0 when it cannot be read (not Linux).
int64_t available_memory_bytes();

struct EvalBatchRequest {
  // Each member's net for one pass (TEST phase; the batch in its inputs is replaced).
  std::vector<NetSpec> specs;
  int64_t views_per_sample = 1;  // a batch at least this large is rounded to whole samples
  int64_t max_batch = 0;         // no more views per pass (dense: an image and its mirror); 0: any
  // At least one sample's views per pass, beyond the working set, where the budget allows.
  bool whole_sample = false;
  int64_t available_bytes = 0;  // 0: available_memory_bytes()
  double fraction = kEvalMemoryFraction;
  int64_t working_set_bytes = kEvalWorkingSetBytes;
  std::vector<std::string> keep_blobs;  // blobs read after forward (extract's layer)
};

struct EvalBatchChoice {
  int64_t batch = 1;            // views per forward pass
  int64_t planned_bytes = 0;    // every member's NetMemoryPlan at that batch, summed
  int64_t available_bytes = 0;  // what the machine had
  int64_t budget_bytes = 0;     // available x fraction
  // "batch 40 views: planned 0.6 GB of 18.3 GB available (budget 9.2 GB)".
  std::string describe() const;
};

// The largest batch within the working set (at least 1, or a whole sample's views when asked;
// rounded down to whole samples when it holds one), and within the budget. ResourceError when one
// view alone is over the budget, naming both.
EvalBatchChoice choose_eval_batch(const EvalBatchRequest& request);

// The request for evaluating members of these specs (at the crop size) with `policy`: crop nets
// for its views per image; for dense views, the net made fully convolutional for a typical
// ImageNet image (4:3, landscape) at the largest of `scales` (or `default_scale`), two views (the
// image and its mirror) at most per pass.
EvalBatchRequest eval_batch_request(const std::vector<NetSpec>& specs, CropPolicy policy,
                                    const std::vector<int64_t>& scales, int64_t default_scale);

// `spec` with the first dimension of every input set to `batch`.
NetSpec with_batch(NetSpec spec, int64_t batch);

}  // namespace svertka
