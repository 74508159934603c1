// What killed atomic writes leave behind, and its removal (remove_stale_temporaries).
#include "svertka/io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

pid_t pid_of_an_ended_process() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST(StaleTemporaries, OnlyThoseOfEndedProcessesOrThisOneAreRemoved) {
  const fs::path dir = fs::temp_directory_path() / ("svertka_stale_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string ended = std::to_string(pid_of_an_ended_process());
  const std::vector<std::string> stale{"checkpoint.safetensors.tmp." + ended,
                                       "metrics.jsonl.tmp." + std::to_string(::getpid())};
  const std::vector<std::string> kept{
      "weights.safetensors.tmp." + std::to_string(::getppid()),  // alive: maybe mid-write
      "notes.tmp.txt",
      "a.tmp.",
      "a.tmp.12x",
      ".tmp." + ended,
      "checkpoint.safetensors"};
  for (const auto& names : {stale, kept})
    for (const std::string& name : names) std::ofstream(dir / name) << "partial";
  fs::create_directory(dir / ("folder.tmp." + ended));  // not a file: left alone

  std::vector<std::string> removed = remove_stale_temporaries(dir.string());
  std::sort(removed.begin(), removed.end());
  std::vector<std::string> expected;
  for (const std::string& name : stale) expected.push_back((dir / name).string());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(removed, expected);
  for (const std::string& name : kept) EXPECT_TRUE(fs::exists(dir / name)) << name;
  EXPECT_TRUE(fs::exists(dir / ("folder.tmp." + ended)));
  fs::remove_all(dir);
}

TEST(StaleTemporaries, MissingDirectoryRemovesNothing) {
  EXPECT_TRUE(remove_stale_temporaries("/nonexistent/svertka_run").empty());
}

}  // namespace
}  // namespace svertka::testing
