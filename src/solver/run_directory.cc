#include "solver/run_directory.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "svertka/error.h"

namespace svertka {

RunDirectory::RunDirectory(std::string dir, bool writer)
    : dir_(std::move(dir)), writes_(writer && !dir_.empty()) {
  if (!writes_) return;
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) throw IoError("cannot create run directory " + dir_ + ": " + error.message());
  const std::string probe = dir_ + "/metrics.jsonl";
  std::ofstream out(probe, std::ios::app);
  if (!out) throw IoError("cannot write to run directory " + dir_ + " (" + probe + ")");
}

void RunDirectory::save_checkpoint(const Net& net, const SgdSolver& solver,
                                   const TrainingState& state) const {
  if (writes_) svertka::save_checkpoint(checkpoint_path(), net, solver, state);
}

void RunDirectory::append_metrics(const EpochMetrics& m) const {
  if (!writes_) return;
  nlohmann::json line{{"epoch", m.epoch + 1},
                      {"iteration", m.iteration},
                      {"loss", m.loss},
                      {"lr", m.lr},
                      {"train_top1_error", m.train_top1_error},
                      {"train_top5_error", m.train_top5_error},
                      {"val_top1_error", m.val_top1_error},
                      {"val_top5_error", m.val_top5_error},
                      {"seconds", m.seconds}};
  for (const NamedValue& v : m.task) line[v.name] = v.value;
  std::ofstream out(dir_ + "/metrics.jsonl", std::ios::app);
  out << line.dump() << "\n";
  if (!out) throw IoError("cannot append to " + dir_ + "/metrics.jsonl");
}

void RunDirectory::save_weights(const Net& net) const {
  if (writes_) svertka::save_weights(dir_ + "/weights.safetensors", net);
}

}  // namespace svertka
