// open_dataset: an IDX folder, a Caffe LMDB, an image folder in ImageNet's layout, or list files.
#include "svertka/data/open_dataset.h"

#include <algorithm>
#include <filesystem>

#include "svertka/data/idx.h"
#include "svertka/error.h"

namespace svertka {
namespace {

const char* split_name(DataSplit split) {
  return split == DataSplit::kTrain ? "train" : "val";
}

const std::string& list_file(const DatasetLocation& location, DataSplit split) {
  return split == DataSplit::kTrain ? location.train_list : location.val_list;
}

// The images of `split`: its list file, else DATA/<split>, else (whole_if_flat) DATA itself.
// Null when it has none.
std::unique_ptr<ImageList> split_images(const DatasetLocation& location, DataSplit split,
                                        bool whole_if_flat) {
  const std::string& list = list_file(location, split);
  if (!list.empty())
    return std::make_unique<ImageList>(read_image_list(list, location.root, location.num_classes));
  if (location.data.empty()) return nullptr;
  const std::vector<std::string> classes =
      location.classes.empty() ? std::vector<std::string>{} : read_class_list(location.classes);
  const std::string folder = location.data + "/" + split_name(split);
  std::error_code error;
  std::unique_ptr<ImageList> found;
  if (std::filesystem::is_directory(folder, error))
    found = std::make_unique<ImageList>(list_image_folder(folder, classes));
  else if (whole_if_flat)
    found = std::make_unique<ImageList>(list_image_folder(location.data, classes));
  else
    return nullptr;
  if (location.num_classes > 0) {
    if (location.num_classes < found->num_classes)
      throw ParamError("num_classes " + std::to_string(location.num_classes) +
                       " is fewer than the " + std::to_string(found->num_classes) +
                       " classes of '" + found->source + "'");
    found->num_classes = location.num_classes;
  }
  return found;
}

}  // namespace

bool is_lmdb(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error)) return fs::is_regular_file(fs::path(path) / "data.mdb", error);
  return fs::is_regular_file(path, error) && fs::path(path).extension() == ".mdb";
}

bool is_idx_folder(const std::string& folder) {
  try {
    find_idx_files(folder, /*test_only=*/true);
    return true;
  } catch (const IoError&) {
    return false;
  }
}

Dataset open_dataset(const DatasetLocation& location, const OpenDatasetOptions& options) {
  if (options.splits.empty()) throw ParamError("open_dataset: no split asked for");
  const DataSplit first = options.splits.front();
  if (location.data.empty() && list_file(location, first).empty())
    throw ParamError(std::string("no dataset for the ") + split_name(first) +
                     " split: neither a data folder nor a list file");
  Dataset dataset;
  if (list_file(location, first).empty() && is_lmdb(location.data)) {
    const DataSplit other = first == DataSplit::kTrain ? DataSplit::kVal : DataSplit::kTrain;
    (first == DataSplit::kTrain ? dataset.train_lmdb : dataset.val_lmdb) = location.data;
    const bool other_wanted = std::find(options.splits.begin(), options.splits.end(), other) !=
                              options.splits.end();
    if (other_wanted && !list_file(location, other).empty()) {
      if (!is_lmdb(list_file(location, other)))
        throw ParamError("'" + location.data + "' is an LMDB; the " + split_name(other) +
                         " split must be one too, not '" + list_file(location, other) + "'");
      (other == DataSplit::kTrain ? dataset.train_lmdb : dataset.val_lmdb) =
          list_file(location, other);
    }
    return dataset;
  }
  if (list_file(location, first).empty() && is_idx_folder(location.data)) {
    dataset.idx_folder = location.data;
    return dataset;
  }
  for (const DataSplit split : options.splits)
    (split == DataSplit::kTrain ? dataset.train : dataset.val) =
        split_images(location, split, options.whole_if_flat);
  if (!dataset.images(first))
    throw NotFoundError(std::string(first == DataSplit::kTrain ? "no training" : "no validation") +
                        " images: '" + location.data + "' holds neither IDX files nor a " +
                        split_name(first) + "/ image folder");
  return dataset;
}

}  // namespace svertka
