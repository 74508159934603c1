#include "svertka/solver/init_from.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "svertka/error.h"

namespace svertka {
namespace {

// "inception_3a/1x1.weight" -> "inception_3a/1x1".
std::string layer_of(const std::string& param) {
  return param.substr(0, param.rfind('.'));
}

std::string known_layers(const Net& net) {
  std::string known;
  std::set<std::string> seen;
  for (const Parameter& p : net.params())
    if (seen.insert(layer_of(p.name)).second)
      known += (known.empty() ? "" : ", ") + layer_of(p.name);
  return known;
}

}  // namespace

InitFromReport init_params_from(Net& net, const SafetensorsContents& source,
                                const std::vector<std::string>& layers) {
  std::set<std::string> named(layers.begin(), layers.end());
  named.erase("");
  for (const std::string& layer : named) {
    const bool present = std::any_of(net.params().begin(), net.params().end(),
                                     [&](const Parameter& p) { return layer_of(p.name) == layer; });
    if (!present)
      throw ParamError("cannot initialise layer '" + layer + "' from " + source.path + ": " +
                       net.name() + " has no such layer with parameters (it has " +
                       known_layers(net) + ")");
  }
  InitFromReport report{.source = source.path};
  for (Parameter& p : net.params()) {
    if (!named.empty() && !named.count(layer_of(p.name))) {
      report.skipped.push_back({p.name, "not named"});
      continue;
    }
    std::string problem;
    if (!source.contains(p.name)) {
      problem = "absent from the source";
    } else if (source.at(p.name).shape() != p.value.shape()) {
      problem =
          source.at(p.name).shape().str() + " in the source, " + p.value.shape().str() + " here";
    }
    if (problem.empty()) {
      const Tensor& value = source.at(p.name);
      for (int64_t i = 0; i < value.numel(); ++i)
        if (!std::isfinite(value[i]))
          throw DataError(source.path + ": tensor '" + p.name + "' holds " +
                          std::to_string(value[i]) + " at element " + std::to_string(i) +
                          " (weights must be finite)");
      p.value.copy_from(value);
      report.copied.push_back(p.name);
    } else if (!named.empty()) {
      throw ParamError("cannot initialise '" + p.name + "' from " + source.path + ": " + problem);
    } else {
      report.skipped.push_back({p.name, problem});
    }
  }
  return report;
}

std::string resolve_weights_path(const std::string& run_or_weights) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(run_or_weights, error)) {
    for (const char* name : {"weights.safetensors", "checkpoint.safetensors"}) {
      const std::string path = run_or_weights + "/" + name;
      if (fs::is_regular_file(path, error)) return path;
    }
    throw NotFoundError("run directory '" + run_or_weights +
                        "' holds neither weights.safetensors nor checkpoint.safetensors");
  }
  if (!fs::exists(run_or_weights, error))
    throw NotFoundError("no weights file or run directory '" + run_or_weights + "'");
  return run_or_weights;
}

}  // namespace svertka
