// The svertka CLI: one file per subcommand, each registering itself on the app.
#pragma once

#include <CLI/CLI.hpp>

#include "train_hooks.h"

namespace svertka::cli {

void add_summary_command(CLI::App& app);
// `hooks`: see train_hooks.h (the command line gives none).
void add_train_command(CLI::App& app, TrainHooks hooks = {});
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_mean_command(CLI::App& app);
void add_bench_data_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_convert_images_command(CLI::App& app);
void add_extract_command(CLI::App& app);
void add_svm_command(CLI::App& app);
void add_quantize_command(CLI::App& app);

}  // namespace svertka::cli
