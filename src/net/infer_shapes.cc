#include "svertka/infer_shapes.h"

#include <algorithm>
#include <functional>
#include <set>

#include "core/error_context.h"
#include "svertka/error.h"

namespace svertka {
namespace {

bool active(const LayerSpec& layer, std::optional<Phase> phase) {
  return !phase || !layer.only_in || *layer.only_in == *phase;
}

std::string_view phase_name(Phase phase) {
  return phase == Phase::kTrain ? "TRAIN" : "TEST";
}

// Producers of each blob name, ignoring in-place self-edges: name -> layer indices.
std::multimap<std::string, size_t> producers_of(const NetSpec& spec) {
  std::multimap<std::string, size_t> producers;
  for (size_t i = 0; i < spec.layers.size(); ++i)
    for (const auto& top : spec.layers[i].tops)
      if (std::find(spec.layers[i].bottoms.begin(), spec.layers[i].bottoms.end(), top) ==
          spec.layers[i].bottoms.end())
        producers.emplace(top, i);
  return producers;
}

// The cycle through `bottom` back to layer `layer_index`, as "a <- c <- b <- a" (a reads from c,
// which reads from b, ...), or "" if there is none.
std::string cycle_through(const NetSpec& spec, size_t layer_index, const std::string& bottom,
                          const std::multimap<std::string, size_t>& producers) {
  std::vector<size_t> path;
  std::set<size_t> visited;
  std::function<bool(size_t)> reaches = [&](size_t layer) -> bool {
    path.push_back(layer);
    if (layer == layer_index) return true;
    if (visited.insert(layer).second)
      for (const auto& b : spec.layers[layer].bottoms)
        for (auto [it, end] = producers.equal_range(b); it != end; ++it)
          if (reaches(it->second)) return true;
    path.pop_back();
    return false;
  };
  for (auto [it, end] = producers.equal_range(bottom); it != end; ++it) {
    path.clear();
    if (reaches(it->second)) {
      std::string cycle = spec.layers[layer_index].name;
      for (const size_t p : path) cycle += " <- " + spec.layers[p].name;
      return cycle;
    }
  }
  return "";
}

// Explains a bottom that no input or earlier active layer produces: a typo, a layer of the other
// phase, a cycle, or a wrong order.
[[noreturn]] void fail_unresolved_bottom(const NetSpec& spec, size_t layer_index,
                                         const std::string& bottom, std::optional<Phase> phase) {
  const std::string where =
      "net '" + spec.name + "', layer '" + spec.layers[layer_index].name + "'";
  const std::multimap<std::string, size_t> producers = producers_of(spec);
  if (producers.count(bottom) == 0)
    throw ShapeError(where + ": bottom '" + bottom +
                     "' is neither a net input nor the top of any layer");
  for (auto [it, end] = producers.equal_range(bottom); it != end; ++it)
    if (it->second < layer_index && phase && !active(spec.layers[it->second], phase))
      throw ShapeError(where + ": bottom '" + bottom + "' comes only from layer '" +
                       spec.layers[it->second].name + "', which does not run in " +
                       std::string(phase_name(*phase)));
  if (const std::string cycle = cycle_through(spec, layer_index, bottom, producers); !cycle.empty())
    throw ShapeError(where + ": the graph has a cycle: " + cycle);
  throw ShapeError(where + ": bottom '" + bottom + "' is produced only by a later layer ('" +
                   spec.layers[producers.find(bottom)->second].name +
                   "'); list layers in dependency order");
}

NetShapes walk_layers(const NetSpec& spec, std::optional<Phase> phase) {
  NetShapes shapes;
  for (const InputSpec& input : spec.inputs) shapes.blobs[input.name] = input.shape;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& layer = spec.layers[i];
    if (!active(layer, phase)) continue;
    const std::string where = "net '" + spec.name + "', layer '" + layer.name + "'";
    if (!layer.op) throw ParamError(where + ": has no op");
    LayerShapes walked{.index = i};
    for (const std::string& bottom : layer.bottoms) {
      const auto it = shapes.blobs.find(bottom);
      if (it == shapes.blobs.end()) fail_unresolved_bottom(spec, i, bottom, phase);
      walked.bottoms.push_back(it->second);
    }
    walked.tops = layer.op->output_shapes(walked.bottoms);
    if (walked.tops.size() != layer.tops.size())
      throw ParamError(where + ": " + std::string(layer.op->type()) + " produces " +
                       std::to_string(walked.tops.size()) + " top(s), the spec names " +
                       std::to_string(layer.tops.size()));
    for (size_t t = 0; t < layer.tops.size(); ++t) shapes.blobs[layer.tops[t]] = walked.tops[t];
    shapes.layers.push_back(std::move(walked));
  }
  return shapes;
}

}  // namespace

NetShapes infer_shapes(const NetSpec& spec, std::optional<Phase> phase) {
  if (spec.source.empty()) return walk_layers(spec, phase);
  NetShapes shapes;  // an op's own error ("groups=3 must divide ...") names the file too
  error_context::with_context(spec.source, spec.source + ": ",
                              [&] { shapes = walk_layers(spec, phase); });
  return shapes;
}

}  // namespace svertka
