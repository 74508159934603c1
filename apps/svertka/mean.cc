// svertka mean (--data DIR | --list FILE [--root DIR]) --out FILE [--size S] [--resize warp|shorter]
// Streams a dataset once and writes its mean image (SxS), per-channel means and the eigenvalues
// and eigenvectors of its RGB covariance (for --pca-colour) to a safetensors file, which train
// and eval read with --stats. DIR is an image folder, or a root whose train/ folder is used. The
// statistics are of colour (greyscale images count as three equal channels); a greyscale model
// subtracts their luma (grey_mean in image_stats.h).
// --out X.binaryproto writes Caffe's mean file instead (compute_image_mean's): the mean image as a
// (1,3,S,S) BlobProto in BGR order; with --data X.lmdb, the mean of the database's records as they
// are stored (1,C,H,W), as compute_image_mean computes it.
#include <fmt/format.h>

#include "commands.h"
#include "data_options.h"
#include "progress.h"
#include "svertka/data/lmdb_source.h"
#include "svertka/io/caffe.h"

namespace svertka::cli {
namespace {

struct MeanArgs {
  std::string data, list, root, classes, out;
  std::string resize = "warp";
  int64_t size = 256;
  int workers = 0;
  bool skip_bad = false;
};

bool caffe_out(const MeanArgs& args) {
  return args.out.ends_with(".binaryproto");
}

// compute_image_mean: the records' mean, every record weighing the same.
void lmdb_mean(const MeanArgs& args) {
  if (!caffe_out(args))
    throw ParamError("the mean of an LMDB is written as Caffe's mean file: --out X.binaryproto");
  const LmdbBatchSource source(args.data, {});
  const Shape shape = source.record_shape();
  const int64_t n = source.size(), batch = 256;
  fmt::print("{} records {} from {}\n", n, shape.str(), args.data);
  std::vector<double> sum(size_t(shape.numel()), 0.0);
  ProgressBar bar("mean", "img");
  for (int64_t first = 0; first < n; first += batch) {
    const int64_t count = std::min(batch, n - first);
    std::vector<int64_t> indices(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) indices[size_t(i)] = first + i;
    Tensor images(Shape{count, shape[0], shape[1], shape[2]}), labels(Shape{count});
    source.fill(indices, /*augment=*/false, 0, 0, images, labels);
    for (int64_t i = 0; i < count * shape.numel(); ++i)
      sum[size_t(i % shape.numel())] += images[i];
    bar.update(first + count, n);
  }
  bar.finish();
  Tensor mean(shape);
  for (int64_t i = 0; i < shape.numel(); ++i) mean[i] = float(sum[size_t(i)] / double(n));
  save_caffe_mean(args.out, mean);
  fmt::print("written: {} (Caffe mean file, {})\n", args.out, shape.str());
}

// The mean image (3,S,S) R,G,B as Caffe's (3,S,S) B,G,R mean file.
void save_bgr_mean(const std::string& path, const Tensor& rgb) {
  Tensor bgr(rgb.shape());
  const int64_t plane = rgb.shape()[1] * rgb.shape()[2];
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < plane; ++i) bgr[c * plane + i] = rgb[(2 - c) * plane + i];
  save_caffe_mean(path, bgr);
}

void run_mean(const MeanArgs& args) {
  if (args.data.empty() && args.list.empty()) throw ParamError("mean needs --data or --list");
  if (args.list.empty() && is_lmdb(args.data)) return lmdb_mean(args);
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
  if (caffe_out(args))
    save_bgr_mean(args.out, st.mean_image);
  else
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
  fmt::print("written: {}{}\n", args.out, caffe_out(args) ? " (Caffe mean file, B,G,R)" : "");
}

}  // namespace

void add_mean_command(CLI::App& app) {
  auto args = std::make_shared<MeanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "mean", "Mean image, channel means and RGB covariance eigenpairs of an image dataset");
  cmd->add_option("--data", args->data,
                  "Image folder (or a root with a train/ folder), or a Caffe LMDB");
  cmd->add_option("--list", args->list, "Image list: 'path label' per line");
  cmd->add_option("--root", args->root, "Folder the list paths are relative to");
  cmd->add_option("--classes", args->classes, "Class list for the image folder");
  cmd->add_option("--out", args->out,
                  "Statistics file to write (.safetensors), or Caffe's mean file (.binaryproto)")
      ->required();
  cmd->add_option("--size", args->size, "S: images are brought to SxS")->capture_default_str();
  cmd->add_option("--resize", args->resize, "warp (to SxS) or shorter (side to S, centre SxS)")
      ->capture_default_str();
  cmd->add_option("--workers", args->workers, "Threads decoding (default: one per core)");
  cmd->add_flag("--skip-bad", args->skip_bad, "Skip images that cannot be decoded; list them");
  cmd->callback([args] { run_mean(*args); });
}

}  // namespace svertka::cli
