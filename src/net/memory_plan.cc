// plan_test_memory: the memory plan of a TEST net from shapes alone, through the same in-place and
// liveness rules as Net (net_internal.h), so evaluation can choose its batch before allocating.
#include <algorithm>

#include "net/net_internal.h"

namespace svertka {

NetMemoryPlan plan_test_memory(const NetSpec& spec, const std::vector<std::string>& keep_blobs) {
  constexpr auto kFloat = static_cast<int64_t>(sizeof(float));
  const NetShapes inferred = infer_shapes(spec, Phase::kTest);
  NetMemoryPlan plan;
  std::vector<Net::Blob> blobs;
  std::map<std::string, int> latest;  // name -> index into blobs
  int64_t input_elements = 0, largest_param = 0, largest_blob = 0;
  for (const InputSpec& input : spec.inputs) {
    latest[input.name] = static_cast<int>(blobs.size());
    blobs.push_back({.name = input.name, .shape = input.shape});
    input_elements += input.shape.numel();
  }
  std::vector<const Op*> ops;  // per layer walked
  for (const LayerShapes& shapes : inferred.layers) {
    const LayerSpec& layer = spec.layers[shapes.index];
    const int index = static_cast<int>(ops.size());
    ops.push_back(layer.op.get());
    std::vector<int> bottoms;
    for (const std::string& bottom : layer.bottoms) {
      bottoms.push_back(latest.at(bottom));  // infer_shapes found every bottom
      blobs[static_cast<size_t>(bottoms.back())].consumers.push_back(index);
    }
    for (const Shape& shape : layer.op->param_shapes(shapes.bottoms)) {
      plan.param_bytes += shape.numel() * kFloat;
      largest_param = std::max(largest_param, shape.numel());
    }
    for (size_t t = 0; t < layer.tops.size(); ++t) {
      Net::Blob blob{.name = layer.tops[t], .shape = shapes.tops[t], .producer = index};
      const auto in_place = std::find(layer.bottoms.begin(), layer.bottoms.end(), blob.name);
      if (in_place != layer.bottoms.end())
        blob.alias_of = bottoms[static_cast<size_t>(in_place - layer.bottoms.begin())];
      largest_blob = std::max(largest_blob, blob.shape.numel());
      latest[blob.name] = static_cast<int>(blobs.size());
      blobs.push_back(std::move(blob));
    }
  }
  resolve_in_place(
      blobs, [&](int layer) { return ops[static_cast<size_t>(layer)]->supports_in_place(); },
      keep_blobs);
  const std::map<int, BufferRequest> requests =
      activation_requests(blobs, static_cast<int>(ops.size()),
                          std::set<std::string>(keep_blobs.begin(), keep_blobs.end()), false);
  std::vector<BufferRequest> list;
  for (const auto& [root, request] : requests) list.push_back(request);
  plan.activation_bytes =
      (plan_buffers(list, /*share=*/true).total_elements() + input_elements) * kFloat;
  plan.scratch_bytes = (largest_param + largest_blob) * kFloat;
  return plan;
}

}  // namespace svertka
