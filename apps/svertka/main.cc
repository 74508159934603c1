// svertka: train, evaluate and inspect the classic ImageNet CNNs.
// The library throws typed errors; run_cli() prints them and turns them into exit codes.
#include <filesystem>
#include <opencv2/core/utility.hpp>
#include <system_error>

#include "backend_plugin.h"
#include "commands.h"
#include "run_cli.h"

int main(int argc, char** argv) {
  CLI::App app("svertka: AlexNet, VGG and GoogLeNet on oneDNN", "svertka");
  app.require_subcommand(1);
  // Images are decoded and resized in parallel over samples (data workers or OpenMP); OpenCV's
  // own thread pool inside each call would only oversubscribe the cores.
  cv::setNumThreads(0);
  // The CUDA backend's plugin lies next to the executable (CMakeLists.txt names it; empty in a
  // build without it).
  if (const std::string plugin = SVERTKA_CUDA_PLUGIN; !plugin.empty()) {
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    svertka::cli::set_cuda_plugin((error ? std::filesystem::path(".") : self.parent_path()) /
                                  plugin);
  }
  svertka::cli::add_summary_command(app);
  svertka::cli::add_train_command(app);
  svertka::cli::add_eval_command(app);
  svertka::cli::add_predict_command(app);
  svertka::cli::add_plot_command(app);
  svertka::cli::add_bench_command(app);
  svertka::cli::add_mean_command(app);
  svertka::cli::add_bench_data_command(app);
  svertka::cli::add_convert_command(app);
  svertka::cli::add_convert_images_command(app);
  svertka::cli::add_extract_command(app);
  svertka::cli::add_svm_command(app);
  svertka::cli::add_quantize_command(app);
  return svertka::cli::run_cli(app, argc, argv);
}
