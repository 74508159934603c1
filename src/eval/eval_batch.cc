#include "svertka/eval/eval_batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/eval/dense.h"

namespace svertka {
namespace {

// The members' plans at `batch`, summed.
int64_t planned_total(const EvalBatchRequest& request, int64_t batch) {
  int64_t total = 0;
  for (const NetSpec& spec : request.specs)
    total += plan_test_memory(with_batch(spec, batch), request.keep_blobs).total_bytes();
  return total;
}

int64_t planned_activations(const EvalBatchRequest& request, int64_t batch) {
  int64_t total = 0;
  for (const NetSpec& spec : request.specs)
    total += plan_test_memory(with_batch(spec, batch), request.keep_blobs).activation_bytes;
  return total;
}

}  // namespace

int64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream words(line);
    std::string key;
    int64_t kilobytes = 0;
    if (words >> key >> kilobytes && key == "MemAvailable:") return kilobytes * 1024;
  }
  return 0;
}

std::string EvalBatchChoice::describe() const {
  return fmt::format("batch {} views: planned {} of {} available (budget {})", batch,
                     byte_size(planned_bytes), byte_size(available_bytes), byte_size(budget_bytes));
}

NetSpec with_batch(NetSpec spec, int64_t batch) {
  if (batch <= 0) throw ParamError("batch must be positive, got " + std::to_string(batch));
  for (InputSpec& input : spec.inputs)
    if (input.shape.rank() > 0) input.shape[0] = batch;
  return spec;
}

EvalBatchRequest eval_batch_request(const std::vector<NetSpec>& specs, CropPolicy policy,
                                    const std::vector<int64_t>& scales, int64_t default_scale) {
  EvalBatchRequest request;
  const auto views = static_cast<int64_t>(views_for(policy, scales).size());
  if (policy != CropPolicy::kDense) {
    request.specs = specs;
    request.views_per_sample = views;
    return request;
  }
  const int64_t scale =
      scales.empty() ? default_scale : *std::max_element(scales.begin(), scales.end());
  for (const NetSpec& spec : specs) {
    const auto input = std::find_if(spec.inputs.begin(), spec.inputs.end(),
                                    [](const InputSpec& in) { return in.name != kLabelBlob; });
    if (input == spec.inputs.end() || input->shape.rank() != 4)
      throw ParamError("net '" + spec.name + "' has no image input");
    const int64_t crop_height = input->shape[2], crop_width = input->shape[3];
    const int64_t height = std::max(scale, crop_height);
    const int64_t width = std::max((height * 4 + 2) / 3, crop_width);
    request.specs.push_back(fully_convolutional(spec, Shape{1, input->shape[1], height, width}));
  }
  // An image and its mirror share a pass where their activations fit the working set (AlexNet at
  // 256 px); a large one (VGG-16 at 512 px: ~190 MB a view, and Winograd's scratch grows with it)
  // passes one view at a time, which halves the memory and costs no speed at that size.
  request.views_per_sample = request.max_batch = 2;
  return request;
}

EvalBatchChoice choose_eval_batch(const EvalBatchRequest& request) {
  if (request.specs.empty()) throw ParamError("choosing a batch needs at least one net");
  if (request.views_per_sample <= 0 || request.max_batch < 0 || request.fraction <= 0)
    throw ParamError("choosing a batch: views per sample and the memory fraction must be positive");
  EvalBatchChoice choice;
  choice.available_bytes =
      request.available_bytes > 0 ? request.available_bytes : available_memory_bytes();
  if (choice.available_bytes <= 0)
    throw ResourceError("cannot read the available memory (/proc/meminfo); give --batch");
  choice.budget_bytes = int64_t(double(choice.available_bytes) * request.fraction);
  // Every blob scales with the batch and the buffer plan does not depend on the scale, so a plan
  // is a fixed part (parameters, the largest weight's scratch) plus one part per view.
  const int64_t one = planned_total(request, 1);
  const int64_t per_view = std::max<int64_t>(1, planned_total(request, 2) - one);
  const int64_t fixed = one - per_view;
  const int64_t activations_per_view = std::max<int64_t>(1, planned_activations(request, 1));
  if (one > choice.budget_bytes)
    throw ResourceError(fmt::format(
        "one view needs {} (the nets' memory plan), over the budget of {} ({:.0f}% of {} "
        "available)",
        byte_size(one), byte_size(choice.budget_bytes), 100 * request.fraction,
        byte_size(choice.available_bytes)));
  int64_t batch = std::max<int64_t>(request.whole_sample ? request.views_per_sample : 1,
                                    request.working_set_bytes / activations_per_view);
  if (batch >= request.views_per_sample)
    batch -= batch % request.views_per_sample;  // whole samples per pass
  if (request.max_batch > 0) batch = std::min(batch, request.max_batch);
  batch = std::max<int64_t>(1, std::min(batch, (choice.budget_bytes - fixed) / per_view));
  choice.batch = batch;
  choice.planned_bytes = planned_total(request, batch);
  return choice;
}

}  // namespace svertka
