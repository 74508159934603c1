#include "svertka/solver/checkpoint.h"

#include <nlohmann/json.hpp>

#include "svertka/error.h"
#include "svertka/io/safetensors.h"

namespace svertka {
namespace {

const std::string kMomentumPrefix = "solver/momentum/";

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

void save_checkpoint(const std::string& path, const Net& net, const SgdSolver& solver,
                     const TrainingState& state) {
  std::vector<NamedTensor> tensors = weight_tensors(net);
  const auto& momentum = solver.momentum();
  for (size_t k = 0; k < net.params().size(); ++k)
    tensors.push_back({kMomentumPrefix + net.params()[k].name, momentum[k].to_host()});
  const nlohmann::json json{{"version", kCheckpointVersion},
                            {"iteration", state.iteration},
                            {"epoch", state.epoch},
                            {"epoch_position", state.epoch_position},
                            {"seed", state.seed},
                            {"model", state.model},
                            {"plateau_best_error", state.schedule.best_error},
                            {"plateau_bad_evaluations", state.schedule.bad_evaluations},
                            {"plateau_drops", state.schedule.drops}};
  save_safetensors(path, tensors, {{"svertka_checkpoint", json.dump()}});
}

TrainingState load_checkpoint(const std::string& path, Net& net, SgdSolver& solver) {
  const SafetensorsContents file = load_safetensors(path);
  auto it = file.metadata.find("svertka_checkpoint");
  if (it == file.metadata.end())
    throw IoError(path + ": not a svertka checkpoint (no 'svertka_checkpoint' metadata)");
  TrainingState state;
  try {
    const auto json = nlohmann::json::parse(it->second);
    if (json.at("version").get<int>() != kCheckpointVersion)
      throw IoError(path + ": checkpoint version " + json.at("version").dump() + ", expected " +
                    std::to_string(kCheckpointVersion));
    state.iteration = json.at("iteration");
    state.epoch = json.at("epoch");
    state.epoch_position = json.at("epoch_position");
    state.seed = json.at("seed");
    state.model = json.at("model");
    state.schedule.best_error = json.at("plateau_best_error");
    state.schedule.bad_evaluations = json.at("plateau_bad_evaluations");
    state.schedule.drops = json.at("plateau_drops");
  } catch (const nlohmann::json::exception& e) {
    throw IoError(path + ": malformed checkpoint state: " + e.what());
  }
  copy_weights(file, net);
  auto& momentum = solver.momentum();
  for (size_t k = 0; k < net.params().size(); ++k) {
    const std::string name = kMomentumPrefix + net.params()[k].name;
    if (!file.contains(name)) throw IoError(path + ": has no momentum buffer '" + name + "'");
    momentum[k].copy_from(file.at(name));
  }
  return state;
}

void save_weights(const std::string& path, const Net& net) {
  save_safetensors(path, weight_tensors(net), {{"model", net.name()}});
}

void load_weights(const std::string& path, Net& net) {
  copy_weights(load_safetensors(path), net);
}

}  // namespace svertka
