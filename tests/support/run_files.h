// Reading what a training run leaves in its directory, for tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "svertka/io/safetensors.h"

namespace svertka::testing {

// metrics.jsonl without the wall times, which differ from run to run.
inline std::vector<nlohmann::json> metrics_without_seconds(const std::string& run_dir) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(run_dir + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    nlohmann::json record = nlohmann::json::parse(line);
    record.erase("seconds");
    lines.push_back(record);
  }
  return lines;
}

// The iteration of the run's checkpoint; -1 without one.
inline int64_t checkpoint_iteration(const std::string& run_dir) {
  const std::string path = run_dir + "/checkpoint.safetensors";
  if (!std::filesystem::exists(path)) return -1;
  const auto state = load_safetensors(path).metadata.at("svertka_checkpoint");
  return nlohmann::json::parse(state).at("iteration").get<int64_t>();
}

}  // namespace svertka::testing
