// svertka convert-images --list FILE [--root DIR] --out DB [--resize-height H --resize-width W]
//                        [--shuffle] [--gray] [--encoded [--encode-type jpg|png]] [--seed N]
// Caffe's convert_imageset: the images of a list file ("path label" per line) into an LMDB of
// Datum records keyed "<line, 8 digits>_<path>" (line in the written order), raw BGR (or grey)
// pixels or encoded files. Images are decoded by every core, a thousand at a time, and written in
// order; the database is built in DB.tmp.<pid> and renamed to DB when complete, so DB is never
// half written.
#include <fmt/format.h>
#include <unistd.h>

#include <exception>
#include <filesystem>

#include "commands.h"
#include "progress.h"
#include "svertka/data/image_datum.h"
#include "svertka/data/image_list.h"
#include "svertka/data/lmdb.h"
#include "svertka/data/small_image_batch.h"
#include "svertka/error.h"

namespace svertka::cli {
namespace {

namespace fs = std::filesystem;

struct ConvertImagesArgs {
  std::string list, root, out;
  ImageDatumOptions datum;
  bool shuffle = false;
  uint64_t seed = 1;
};

// The path as listed (the key's second part): the entry's path without the list's root.
std::string listed_path(const ImageEntry& entry, const fs::path& root) {
  const fs::path relative = fs::path(entry.path).lexically_relative(root);
  return relative.empty() || *relative.begin() == ".." ? entry.path : relative.string();
}

void write_records(const ConvertImagesArgs& args, const ImageList& list,
                   const std::vector<int64_t>& order, const fs::path& root, LmdbWriter& db) {
  ProgressBar bar("convert", "img");
  const int64_t n = int64_t(order.size()), chunk = 1000;
  for (int64_t first = 0; first < n; first += chunk) {
    const int64_t count = std::min(chunk, n - first);
    std::vector<std::vector<uint8_t>> records(static_cast<size_t>(count));
    std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
#pragma omp parallel for schedule(dynamic)
    for (int64_t i = 0; i < count; ++i) {
      try {
        const ImageEntry& e = list.entries[size_t(order[size_t(first + i)])];
        records[size_t(i)] = serialize_datum(image_to_datum(e.path, e.label, args.datum));
      } catch (...) {
        errors[size_t(i)] = std::current_exception();
      }
    }
    for (int64_t i = 0; i < count; ++i) {
      if (errors[size_t(i)]) std::rethrow_exception(errors[size_t(i)]);
      const ImageEntry& e = list.entries[size_t(order[size_t(first + i)])];
      db.put(fmt::format("{:08d}_{}", first + i, listed_path(e, root)), records[size_t(i)]);
    }
    bar.update(first + count, n);
  }
  db.commit();
  bar.finish();
}

void run_convert_images(const ConvertImagesArgs& args) {
  std::error_code error;
  if (fs::exists(args.out, error))
    throw ParamError("--out '" + args.out + "' exists; convert-images writes a new database");
  const ImageList list = read_image_list(args.list, args.root);
  if (list.entries.empty()) throw DataError(args.list + ": lists no images");
  const fs::path root = args.root.empty() ? fs::path(args.list).parent_path() : fs::path(args.root);
  std::vector<int64_t> order(static_cast<size_t>(list.size()));
  for (int64_t i = 0; i < list.size(); ++i) order[size_t(i)] = i;
  if (args.shuffle) order = epoch_order(list.size(), args.seed, 0);
  fmt::print("{} images from {}{}; {} {}\n", list.size(), args.list,
             args.shuffle ? " (shuffled)" : "", args.datum.gray ? "grey" : "colour",
             args.datum.encoded ? "encoded" : "raw pixels");
  const std::string temporary = args.out + ".tmp." + std::to_string(::getpid());
  try {
    {
      LmdbWriter db(temporary);
      write_records(args, list, order, root, db);
    }
    fs::rename(temporary, args.out);
  } catch (...) {
    fs::remove_all(temporary, error);
    throw;
  }
  fmt::print("written: {} ({} records)\n", args.out, list.size());
}

}  // namespace

void add_convert_images_command(CLI::App& app) {
  auto args = std::make_shared<ConvertImagesArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert-images", "Images of a list file into a Caffe LMDB (Caffe's convert_imageset)");
  cmd->add_option("--list", args->list, "Image list: 'path label' per line")->required();
  cmd->add_option("--root", args->root, "Folder the list paths are relative to (default: the list's)");
  cmd->add_option("--out", args->out, "The LMDB folder to create")->required();
  cmd->add_option("--resize-height", args->datum.resize_height, "Resize to this height (with width)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--resize-width", args->datum.resize_width, "Resize to this width (with height)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--shuffle", args->shuffle, "Write the images in a random order (by --seed)");
  cmd->add_option("--seed", args->seed, "Seed of --shuffle")->capture_default_str();
  cmd->add_flag("--gray", args->datum.gray, "Store grey images (one channel)");
  cmd->add_flag("--encoded", args->datum.encoded, "Store encoded images instead of pixels");
  cmd->add_option("--encode-type", args->datum.encode_type,
                  "Encoded format: jpg, png... (default: each file's own)");
  cmd->callback([args] {
    if (!args->datum.encode_type.empty() && !args->datum.encoded)
      throw ParamError("--encode-type needs --encoded");
    run_convert_images(*args);
  });
}

}  // namespace svertka::cli
