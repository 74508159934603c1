// svertka plot RUN_DIR [--out FILE.svg]
// Draws the training loss and the train/validation top-1 error per epoch from metrics.jsonl as SVG.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "svertka/error.h"
#include "svertka/io/atomic_file.h"

namespace svertka::cli {
namespace {

struct Series {
  std::string name, colour;
  std::vector<double> values;
};

// One chart: x = epoch (1..n), y from 0 to the largest value.
std::string chart(const std::string& title, const std::vector<Series>& series, int x0, int y0) {
  constexpr int kWidth = 420, kHeight = 260;
  double y_max = 1e-9;
  size_t n = 0;
  for (const auto& s : series) {
    n = std::max(n, s.values.size());
    for (double v : s.values) y_max = std::max(y_max, v);
  }
  std::string svg = fmt::format("<g transform=\"translate({},{})\">\n", x0, y0);
  svg += fmt::format("<text x=\"0\" y=\"-8\" font-size=\"14\">{}</text>\n", title);
  svg += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", kWidth,
                     kHeight);
  svg += fmt::format("<text x=\"-4\" y=\"10\" font-size=\"10\" text-anchor=\"end\">{:.3g}</text>\n",
                     y_max);
  svg += fmt::format("<text x=\"-4\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">0</text>\n",
                     kHeight);
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">epoch (1..{})</text>\n",
      kWidth / 2, kHeight + 14, n);
  int legend_y = 14;
  for (const auto& s : series) {
    std::string points;
    for (size_t i = 0; i < s.values.size(); ++i) {
      const double x = n > 1 ? double(i) / double(n - 1) * kWidth : kWidth / 2.0;
      const double y = kHeight - s.values[i] / y_max * kHeight;
      points += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                       s.colour, points);
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{}\" text-anchor=\"end\">{}</text>\n",
        kWidth - 6, legend_y, s.colour, s.name);
    legend_y += 14;
  }
  return svg + "</g>\n";
}

void run_plot(const std::string& run_dir, std::string out) {
  const std::string path = run_dir + "/metrics.jsonl";
  std::ifstream in(path);
  if (!in) throw IoError("cannot open " + path + " (is " + run_dir + " a run directory?)");
  Series loss{"train loss", "#1f77b4", {}}, train_error{"train top-1 error", "#ff7f0e", {}},
      val_error{"val top-1 error", "#2ca02c", {}};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      const auto json = nlohmann::json::parse(line);
      loss.values.push_back(json.at("loss"));
      train_error.values.push_back(json.at("train_top1_error"));
      val_error.values.push_back(json.at("val_top1_error"));
    } catch (const nlohmann::json::exception& e) {
      throw IoError(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  if (loss.values.empty()) throw IoError(path + " holds no epochs yet");
  if (out.empty()) out = run_dir + "/curves.svg";
  write_file_atomically(out, [&](std::ostream& os) {
    os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"340\" "
          "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
       << chart("training loss", {loss}, 60, 40)
       << chart("top-1 error", {train_error, val_error}, 560, 40) << "</svg>\n";
  });
  fmt::print("wrote {} ({} epochs)\n", out, loss.values.size());
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("plot", "Draw loss and error curves of a run as SVG");
  cmd->add_option("RUN_DIR", *run_dir, "Run directory (holding metrics.jsonl)")->required();
  cmd->add_option("--out", *out, "Output file (default RUN_DIR/curves.svg)");
  cmd->callback([run_dir, out] { run_plot(*run_dir, *out); });
}

}  // namespace svertka::cli
