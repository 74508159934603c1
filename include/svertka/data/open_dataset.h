// Where a dataset lives, and what is there: an IDX folder (MNIST's files), an image folder in
// ImageNet's layout (ROOT/train/<class>/*.jpg, ROOT/val/<class>/*.jpg), or Caffe-style list files
// ("path label" per line) whose paths are relative to a root, or a Caffe LMDB (a folder holding
// data.mdb, or a .mdb file; --val-list may name the validation LMDB).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "svertka/data/image_list.h"

namespace svertka {

enum class DataSplit { kTrain, kVal };

struct DatasetLocation {
  std::string data;                  // an IDX folder or an image root; empty: lists only
  std::string train_list, val_list;  // list files, taking the place of the root's split folders
  std::string root;                  // the folder list paths are relative to (empty: the list's)
  std::string classes;  // image folders: class list file (synset_words.txt: first word = folder)
  int64_t num_classes = 0;  // 0: the class folders, or the largest label + 1
};

struct OpenDatasetOptions {
  // The splits wanted; the first must be found. Its list file, when given, makes the dataset
  // images; else `data` is an IDX folder when it holds the MNIST names.
  std::vector<DataSplit> splits{DataSplit::kTrain};
  // A root without a <split>/ folder is itself the image folder of each split wanted.
  bool whole_if_flat = false;
};

// What a location holds: an IDX folder, Caffe LMDBs, or the images of each split wanted (null where a split
// other than the first has none).
struct Dataset {
  std::string idx_folder;  // not empty: an IDX folder, and no image lists
  std::unique_ptr<ImageList> train, val;
  // Caffe LMDBs (lmdb.h): `data` when it is one (the first split's), and the other split's list
  // option when that names one; then there are no image lists.
  std::string train_lmdb, val_lmdb;

  bool is_idx() const { return !idx_folder.empty(); }
  bool is_lmdb() const { return !train_lmdb.empty() || !val_lmdb.empty(); }
  const std::unique_ptr<ImageList>& images(DataSplit split) const {
    return split == DataSplit::kTrain ? train : val;
  }
};

// Whether `path` is a Caffe LMDB: a folder holding data.mdb, or a file named *.mdb.
bool is_lmdb(const std::string& path);

// Whether `folder` holds MNIST-named IDX files (find_idx_files): the t10k-* files at least.
bool is_idx_folder(const std::string& folder);

// The dataset at `location`. ParamError when neither `data` nor the first split's list is given;
// NotFoundError naming `data` when it holds neither IDX files nor the first split's images;
// ParamError when num_classes is fewer than an image folder's classes; the errors of
// read_image_list and list_image_folder (the file or folder named).
Dataset open_dataset(const DatasetLocation& location, const OpenDatasetOptions& options = {});

}  // namespace svertka
