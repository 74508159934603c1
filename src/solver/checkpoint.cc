#include "svertka/solver/checkpoint.h"

#include <cstdio>
#include <sstream>
#include <string_view>

#include "solver/checkpoint_state.h"
#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka {
namespace {

// Per history buffer of the solver (sgd.h): the momentum or first one, then AdaDelta's and Adam's
// second.
const std::string kHistoryPrefixes[] = {"solver/momentum/", "solver/history2/"};
const std::string kSolverKey = "svertka_solver";

std::vector<NamedTensor> weight_tensors(const Net& net) {
  std::vector<NamedTensor> tensors;
  for (const Parameter& p : net.params()) tensors.push_back({p.name, p.value.to_host()});
  return tensors;
}

void copy_weights(const SafetensorsContents& file, Net& net) {
  for (Parameter& p : net.params()) {
    if (!file.contains(p.name))
      throw IoError(file.path + ": has no tensor '" + p.name + "' for model '" + net.name() + "'");
    const Tensor& stored = file.at(p.name);
    if (stored.shape() != p.value.shape())
      throw IoError(file.path + ": tensor '" + p.name + "' has shape " + stored.shape().str() +
                    ", the model expects " + p.value.shape().str());
    p.value.copy_from(stored);
  }
}

}  // namespace

std::string architecture_hash(const NetSpec& spec) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  const auto add = [&h](std::string_view bytes) {
    for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;  // ends the field: ("ab", "c") differs from ("a", "bc")
  };
  const auto add_sample_shape = [&add](const Shape& shape) {  // without the batch
    for (int d = 1; d < shape.rank(); ++d) add(std::to_string(shape[d]));
  };
  for (const InputSpec& input : spec.inputs) {
    add(input.name);
    add_sample_shape(input.shape);
  }
  for (const LayerSpec& layer : spec.layers) {
    add(layer.name);
    for (const std::string& bottom : layer.bottoms) add(bottom);
    add("->");
    for (const std::string& top : layer.tops) add(top);
  }
  for (const LayerInfo& layer : describe_layers(spec, Phase::kTrain)) {
    add(layer.name);
    add(layer.type);
    for (const Shape& shape : layer.output_shapes) add_sample_shape(shape);
    add(std::to_string(layer.params));
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void save_checkpoint(const std::string& path, const Net& net, const SgdSolver& solver,
                     const TrainingState& state,
                     const std::map<std::string, std::string>& metadata) {
  std::vector<NamedTensor> tensors = weight_tensors(net);
  for (int b = 0; b < solver.num_history_buffers(); ++b)
    for (size_t k = 0; k < net.params().size(); ++k)
      tensors.push_back(
          {kHistoryPrefixes[b] + net.params()[k].name, solver.history(b)[k].to_host()});
  std::map<std::string, std::string> entries = metadata;
  entries["svertka_checkpoint"] = encode_training_state(state);
  entries[kSolverKey] = solver_type_name(solver.options().type);
  save_safetensors(path, tensors, entries);
}

TrainingState load_checkpoint(const std::string& path, Net& net, SgdSolver& solver,
                              const std::function<void(const TrainingState&)>& check_state) {
  const SafetensorsContents file = load_safetensors(path);
  auto it = file.metadata.find("svertka_checkpoint");
  if (it == file.metadata.end())
    throw IoError(path + ": not a svertka checkpoint (no 'svertka_checkpoint' metadata)");
  const TrainingState state = decode_training_state(it->second, path);
  if (check_state) check_state(state);
  const auto solver_entry = file.metadata.find(kSolverKey);
  const std::string saved_solver =
      solver_entry == file.metadata.end() ? "SGD" : solver_entry->second;  // before Adam & co.
  const std::string solver_now = solver_type_name(solver.options().type);
  if (saved_solver != solver_now)
    throw ParamError(path + ": trained with the " + saved_solver + " solver, resumed with " +
                     solver_now + "; resume with --solver-type " + saved_solver);
  copy_weights(file, net);
  for (int b = 0; b < solver.num_history_buffers(); ++b)
    for (size_t k = 0; k < net.params().size(); ++k) {
      Tensor& history = solver.history(b)[k];
      const std::string name = kHistoryPrefixes[b] + net.params()[k].name;
      if (!file.contains(name))
        throw IoError(path + ": has no solver history buffer '" + name + "' (the " +
                      solver_type_name(solver.options().type) + " solver needs " +
                      std::to_string(solver.num_history_buffers()) + " per parameter)");
      const Tensor& stored = file.at(name);
      if (stored.shape() != history.shape())
        throw IoError(path + ": solver history buffer '" + name + "' has shape " +
                      stored.shape().str() + ", the model expects " + history.shape().str());
      history.copy_from(stored);
    }
  return state;
}

void check_resumable(const std::string& path, const TrainingState& saved,
                     const TrainingState& now) {
  std::string differences;
  const auto compare = [&](const std::string& what, const auto& then, const auto& current) {
    if (then == current) return;
    std::ostringstream line;
    line << "\n  " << what << ": " << then << " in the checkpoint, " << current << " now";
    differences += line.str();
  };
  compare("model", saved.model, now.model);
  compare("seed", saved.seed, now.seed);
  compare("training samples", saved.run.train_samples, now.run.train_samples);
  // Another split of the same global batch continues the same epochs (N ranks resume on M).
  const auto per_update = [](const RunSignature& run) {
    return std::to_string(run.batch * run.iter_size * run.ranks) + " (batch " +
           std::to_string(run.batch) + " x iter_size " + std::to_string(run.iter_size) + " x " +
           std::to_string(run.ranks) + " ranks)";
  };
  if (saved.run.batch * saved.run.iter_size * saved.run.ranks !=
      now.run.batch * now.run.iter_size * now.run.ranks)
    compare("samples per update", per_update(saved.run), per_update(now.run));
  compare("architecture hash", saved.run.architecture, now.run.architecture);
  if (!differences.empty())
    throw ParamError(path +
                     " belongs to another run; resume it with the same settings and data "
                     "(or start from its weights with --init-from):" +
                     differences);
}

void save_weights(const std::string& path, const Net& net,
                  const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> entries = metadata;
  entries["model"] = net.name();
  save_safetensors(path, weight_tensors(net), entries);
}

void load_weights(const std::string& path, Net& net) {
  copy_weights(load_safetensors(path), net);
}

}  // namespace svertka
