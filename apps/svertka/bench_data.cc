// svertka bench-data (--data DIR|X.lmdb | --train-list FILE [--root DIR]) [--workers N] [--batch B]
//                    [--epochs E] [--dump FILE [--dump-batches K]] [training transform options]
// Images per second of the full training transform (read, decode, resize, random crop, flip,
// mean, scale) through the worker-thread pipeline, as the trainer consumes it; no network. A Caffe
// LMDB (raw or encoded records) goes through Caffe's transform (crop, mirror, mean, scale) instead.
// bench/compare_data_pipeline.py runs it beside torchvision's ImageFolder + DataLoader. --dump
// writes the first K batches (images flattened to rows of C*H*W, and their labels) to a feature
// file (.npy or .safetensors, transfer/features.h), to compare with svertka.ImageLoader's.
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "data_options.h"
#include "lmdb_data.h"
#include "svertka/build_info.h"
#include "svertka/data/pipeline.h"
#include "svertka/transfer/features.h"

namespace svertka::cli {
namespace {

struct BenchDataArgs {
  std::string data, mean = "channel", dump;
  int64_t batch = 64, dump_batches = 1;
  int epochs = 3;
  uint64_t seed = 1;
  bool mirror = true;
  ImageDataArgs image;
};

// The source measured: a Caffe LMDB (--data X.lmdb: its records through Caffe's transform, with
// --crop, --mirror, --mean-file/--mean-value), else images (`images` set) with the train transform.
std::unique_ptr<BatchSource> bench_source(const BenchDataArgs& args,
                                          const ImageBatchSource*& images) {
  if (uses_lmdb("", args.data, args.image))
    return std::move(open_lmdb_data("", args.data, args.image, args.mirror).train);
  const Dataset dataset =
      open_dataset(dataset_location(args.image, args.data), {.whole_if_flat = true});
  if (dataset.is_idx())
    throw ParamError("bench-data measures image decoding; '" + args.data + "' is an IDX folder");
  auto source = std::make_unique<ImageBatchSource>(
      *dataset.train, image_source_options(args.image, 224, args.mirror, args.mean));
  images = source.get();
  return source;
}

void run_bench_data(BenchDataArgs& args) {
  if (args.data.empty() && args.image.train_list.empty())
    throw ParamError("bench-data needs --data or --train-list");
  const ImageBatchSource* image_source = nullptr;
  const std::unique_ptr<BatchSource> measured = bench_source(args, image_source);
  const BatchSource& source = *measured;
  const int workers = resolved_workers(args.image);
  const int64_t batch = std::min(args.batch, source.size());
  const Shape sample = source.sample_shape();  // (C,crop,crop)
  Tensor images(Shape{batch, sample[0], sample[1], sample[2]});
  Tensor labels(Shape{batch});
  std::unique_ptr<FeatureWriter> dump;
  if (!args.dump.empty())
    dump = std::make_unique<FeatureWriter>(
        args.dump, args.dump_batches * batch, images.numel() / batch,
        std::map<std::string, std::string>{{"source", args.data}});
  BatchBuffers buffers;  // as the trainer: each epoch's pipeline reuses the last one's batches
  int64_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    BatchPipeline pipeline(source, epoch_order(source.size(), args.seed, uint64_t(epoch)), batch,
                           {.workers = workers,
                            .prefetch = args.image.prefetch,
                            .augment = true,
                            .seed = args.seed,
                            .epoch = uint64_t(epoch),
                            .buffers = &buffers});
    for (int64_t b = 0; b < pipeline.batches(); ++b) {
      pipeline.next(images, labels);
      if (dump && dump->written() < args.dump_batches * batch)
        dump->append(images.data(), labels.data(), batch);
      done += batch;
    }
  }
  if (dump) dump->finish();  // ParamError when the epochs held fewer batches than asked
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (image_source) report_skipped("bench-data", image_source->bad_images());
  fmt::print("bench-data: {}\n", machine_summary());
  fmt::print(
      "bench-data: {} images ({} epochs of {}, batch {}) in {:.3f} s with {} workers: "
      "{:.1f} images/s\n",
      done, args.epochs, source.size(), batch, seconds, workers, double(done) / seconds);
}

}  // namespace

void add_bench_data_command(CLI::App& app) {
  auto args = std::make_shared<BenchDataArgs>();
  CLI::App* cmd =
      app.add_subcommand("bench-data", "Images/s of the training data pipeline (no network)");
  cmd->add_option("--data", args->data,
                  "Image folder (or a root with a train/ folder), or a Caffe LMDB");
  cmd->add_option("--batch", args->batch, "Batch size")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Passes over the dataset")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of order and augmentation")->capture_default_str();
  cmd->add_option("--mean", args->mean, "channel, pixel or none")->capture_default_str();
  cmd->add_option("--mirror", args->mirror, "Random horizontal flips")->capture_default_str();
  cmd->add_option("--dump", args->dump,
                  "Write the first batches to this .npy or .safetensors file");
  cmd->add_option("--dump-batches", args->dump_batches, "Batches --dump writes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_image_data_options(cmd, args->image, /*training=*/true);
  cmd->callback([args] { run_bench_data(*args); });
}

}  // namespace svertka::cli
