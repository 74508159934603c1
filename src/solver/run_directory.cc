#include "solver/run_directory.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "svertka/error.h"
#include "svertka/io/atomic_file.h"

namespace svertka {
namespace {

nlohmann::json metrics_line(const EpochMetrics& m) {
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
  return line;
}

// The lines of `contents` that are whole records of an epoch before `epoch` (1-based).
std::string lines_before_epoch(const std::string& contents, int64_t epoch) {
  std::istringstream lines(contents);
  std::string kept, line;
  while (std::getline(lines, line)) {
    const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object()) continue;
    const auto number = record.find("epoch");
    if (number == record.end() || !number->is_number_integer()) continue;
    if (number->get<int64_t>() < epoch) kept += line + "\n";
  }
  return kept;
}

}  // namespace

RunDirectory::RunDirectory(std::string dir, bool writer,
                           std::map<std::string, std::string> metadata)
    : dir_(std::move(dir)), writes_(writer && !dir_.empty()), metadata_(std::move(metadata)) {
  if (!writes_) return;
  std::error_code error;
  const bool created = std::filesystem::create_directories(dir_, error);
  if (error) throw IoError("cannot create run directory " + dir_ + ": " + error.message());
  if (created) {
    // Best effort: a parent this process may not read still holds the new directory; only its
    // survival of a power cut is at stake.
    std::filesystem::path path = std::filesystem::absolute(dir_);
    if (!path.has_filename()) path = path.parent_path();  // "runs/latest/"
    try {
      sync_directory(path.parent_path().string());
    } catch (const IoError&) {
    }
  }
  const std::string probe = metrics_path();
  std::ofstream out(probe, std::ios::app);
  if (!out) throw IoError("cannot write to run directory " + dir_ + " (" + probe + ")");
  remove_stale_temporaries(dir_);
}

void RunDirectory::save_checkpoint(const Net& net, const SgdSolver& solver,
                                   const TrainingState& state) const {
  if (!writes_) return;
  const std::string path = checkpoint_path();
  try {
    svertka::save_checkpoint(path, net, solver, state, metadata_);
  } catch (const IoError& e) {
    const bool previous = std::filesystem::exists(path);
    throw IoError(std::string(e.what()) + "; the checkpoint of iteration " +
                  std::to_string(state.iteration) + " is not saved" +
                  (previous ? ", the previous one (" + path + ") is unchanged and can be resumed"
                            : " and there is no earlier one"));
  }
}

void RunDirectory::record_epoch(const EpochMetrics& m) const {
  if (!writes_) return;
  const std::string path = metrics_path();
  const std::string contents = std::filesystem::exists(path) ? read_file(path) : std::string();
  const std::string lines =
      lines_before_epoch(contents, m.epoch + 1) + metrics_line(m).dump() + "\n";
  write_file_atomically(path, [&](std::ostream& out) { out << lines; });
}

void RunDirectory::save_weights(const Net& net) const {
  if (!writes_) return;
  const std::string path = dir_ + "/weights.safetensors";
  try {
    svertka::save_weights(path, net, metadata_);
  } catch (const IoError& e) {
    throw IoError(std::string(e.what()) + "; the checkpoint " + checkpoint_path() +
                  " holds the same trained weights");
  }
}

}  // namespace svertka
