#include "eval_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "svertka/error.h"
#include "svertka/io/atomic_file.h"

namespace svertka::cli {
namespace {

void print_counts(const std::string& who, const TopKCounts& counts) {
  fmt::print(
      "{}: {} images, top-1 error {:.2f}% (accuracy {:.2f}%, {} correct), top-5 error {:.2f}%, "
      "loss {:.6f}\n",
      who, counts.samples, 100 * counts.top1_error(), 100 * (1 - counts.top1_error()), counts.top1,
      100 * counts.top5_error(), counts.loss());
}

nlohmann::json counts_json(const TopKCounts& c) {
  return {{"images", c.samples},
          {"top1_error", c.top1_error()},
          {"top5_error", c.top5_error()},
          {"top1_correct", c.top1},
          {"loss", c.loss()}};
}

void write_text(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

// A CSV field: quoted (quotes doubled) when it holds a comma, quote or line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

int64_t eval_batch(const std::string& command, int64_t given, const EvalBatchRequest& request) {
  if (given <= 0) {
    const EvalBatchChoice choice = choose_eval_batch(request);
    fmt::print(stderr, "{}: {}\n", command, choice.describe());
    return choice.batch;
  }
  int64_t planned = 0;
  for (const NetSpec& spec : request.specs)
    planned += plan_test_memory(with_batch(spec, given), request.keep_blobs).total_bytes();
  fmt::print(stderr, "{}: batch {} views (--batch): planned {} of {} available\n", command, given,
             byte_size(planned), byte_size(available_memory_bytes()));
  return given;
}

void print_evaluation(const std::vector<EnsembleMember>& members, const EvaluationResult& result,
                      const std::string& crops) {
  fmt::print("crops: {} ({} views per image)\n", crops, result.views_per_sample);
  for (size_t m = 0; m < members.size(); ++m) print_counts(members[m].label, result.members[m]);
  if (members.size() > 1)
    print_counts(fmt::format("ensemble of {}", members.size()), result.ensemble);
}

void write_evaluation(const std::string& out, const std::vector<EnsembleMember>& members,
                      const EvaluationResult& result, const std::vector<std::string>& paths) {
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) throw IoError("cannot create the output folder '" + out + "': " + error.message());

  nlohmann::json metrics{{"views_per_image", result.views_per_sample},
                         {"ensemble", counts_json(result.ensemble)}};
  for (size_t m = 0; m < members.size(); ++m) {
    nlohmann::json member = counts_json(result.members[m]);
    member["model"] = members[m].label;
    metrics["members"].push_back(member);
  }
  write_text(out + "/metrics.json", metrics.dump(2) + "\n");

  std::ostringstream per_class, confusion;
  per_class << "class,images,top1_accuracy\n";
  for (size_t k = 0; k < result.confusion.size(); ++k) {
    int64_t images = 0;
    for (const int64_t n : result.confusion[k]) images += n;
    const double accuracy = images ? double(result.confusion[k][k]) / double(images) : 0.0;
    per_class << fmt::format("{},{},{:.6f}\n", k, images, accuracy);
    for (size_t p = 0; p < result.confusion[k].size(); ++p)
      confusion << (p ? "," : "") << result.confusion[k][p];
    confusion << "\n";
  }
  write_text(out + "/per_class.csv", per_class.str());
  write_text(out + "/confusion.csv", confusion.str());

  std::ostringstream predictions;
  predictions << "index,path,label,classes,probabilities\n";
  for (size_t i = 0; i < result.predictions.size(); ++i) {
    const Prediction& p = result.predictions[i];
    predictions << i << ',' << (i < paths.size() ? csv_field(paths[i]) : "") << ',' << p.label
                << ',' << fmt::format("{}", fmt::join(p.classes, " ")) << ','
                << fmt::format("{:.6f}", fmt::join(p.probabilities, " ")) << '\n';
  }
  write_text(out + "/predictions.csv", predictions.str());
}

}  // namespace svertka::cli
