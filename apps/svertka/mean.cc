// svertka mean (--data DIR | --list FILE [--root DIR]) --out FILE [--size S] [--resize warp|shorter]
// Streams a dataset once and writes its mean image (SxS), per-channel means and the eigenvalues
// and eigenvectors of its RGB covariance (for --pca-colour) to a safetensors file, which train
// and eval read with --stats. DIR is an image folder, or a root whose train/ folder is used. The
// statistics are of colour (greyscale images count as three equal channels); a greyscale model
// subtracts their luma (grey_mean in image_stats.h).
#include <fmt/format.h>

#include "commands.h"
#include "data_options.h"
#include "progress.h"

namespace svertka::cli {
namespace {

struct MeanArgs {
  std::string data, list, root, classes, out;
  std::string resize = "warp";
  int64_t size = 256;
  int workers = 0;
  bool skip_bad = false;
};

void run_mean(const MeanArgs& args) {
  if (args.data.empty() && args.list.empty()) throw ParamError("mean needs --data or --list");
  const DatasetLocation location{
      .data = args.data, .train_list = args.list, .root = args.root, .classes = args.classes};
  const Dataset dataset = open_dataset(location, {.whole_if_flat = true});
  if (dataset.is_idx())
    throw ParamError("mean computes image statistics; '" + args.data + "' is an IDX folder");
  const std::unique_ptr<ImageList>& list = dataset.train;
  ImageStatsOptions options{.resize = parse_resize_mode(args.resize),
                            .size = args.size,
                            .workers = resolved_workers({.workers = args.workers}),
                            .skip_bad = args.skip_bad};
  fmt::print("{} images from {}, {} workers\n", list->size(), list->source, options.workers);
  ProgressBar bar("mean", "img");
  const ImageStatsResult result = compute_image_stats(
      *list, options, [&](int64_t done, int64_t total) { bar.update(done, total); });
  bar.finish();
  const ImageStats& st = result.stats;
  save_image_stats(args.out, st,
                   {{"resize", args.resize}, {"size", std::to_string(args.size)},
                    {"source", list->source}});
  fmt::print("{} images averaged; mean image 3x{}x{}\n", st.images, args.size, args.size);
  fmt::print("channel means (R, G, B): {:.3f} {:.3f} {:.3f}; grey (greyscale models): {:.3f}\n",
             st.channel_mean[0], st.channel_mean[1], st.channel_mean[2],
             grey_mean(st.channel_mean));
  for (size_t i = 0; i < 3; ++i)
    fmt::print("eigenvalue {:.6f}  eigenvector (R, G, B) {:+.4f} {:+.4f} {:+.4f}\n",
               st.pca.eigenvalues[i], st.pca.eigenvectors[0][i], st.pca.eigenvectors[1][i],
               st.pca.eigenvectors[2][i]);
  report_skipped("mean", result.skipped);
  fmt::print("written: {}\n", args.out);
}

}  // namespace

void add_mean_command(CLI::App& app) {
  auto args = std::make_shared<MeanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "mean", "Mean image, channel means and RGB covariance eigenpairs of an image dataset");
  cmd->add_option("--data", args->data, "Image folder (or a root with a train/ folder)");
  cmd->add_option("--list", args->list, "Image list: 'path label' per line");
  cmd->add_option("--root", args->root, "Folder the list paths are relative to");
  cmd->add_option("--classes", args->classes, "Class list for the image folder");
  cmd->add_option("--out", args->out, "Statistics file to write (.safetensors)")->required();
  cmd->add_option("--size", args->size, "S: images are brought to SxS")->capture_default_str();
  cmd->add_option("--resize", args->resize, "warp (to SxS) or shorter (side to S, centre SxS)")
      ->capture_default_str();
  cmd->add_option("--workers", args->workers, "Threads decoding (default: one per core)");
  cmd->add_flag("--skip-bad", args->skip_bad, "Skip images that cannot be decoded; list them");
  cmd->callback([args] { run_mean(*args); });
}

}  // namespace svertka::cli
