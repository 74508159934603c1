// IDX files, the format of MNIST and Fashion-MNIST: a big-endian header, then unsigned bytes.
//   images: magic 0x00000803, count, rows, cols (uint32 each), then count*rows*cols pixels,
//   row-major labels: magic 0x00000801, count, then count labels
// Raw and gzip-compressed files read alike; every format error is an IoError naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace svertka {

struct IdxImages {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count*rows*cols, image after image, row-major; 0 is background
};

IdxImages read_idx_images(const std::string& path);
std::vector<uint8_t> read_idx_labels(const std::string& path);

struct IdxDataset {
  IdxImages images;
  std::vector<uint8_t> labels;  // one per image, each < the num_classes it was loaded with
  int64_t size() const { return images.count; }
};

// Reads both files; throws DataError if the counts differ or a label is not below num_classes.
IdxDataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                            int64_t num_classes = 10);

struct IdxSplitPaths {
  std::string train_images, train_labels, test_images, test_labels;
};

// Finds the four files under their MNIST names (train-images-idx3-ubyte, t10k-labels-idx1-ubyte,
// ...), raw or with a .gz suffix, in `folder`; throws IoError listing every file not found.
// `test_only`: the t10k-* files alone are needed (the train-* paths are empty when absent).
IdxSplitPaths find_idx_files(const std::string& folder, bool test_only = false);

}  // namespace svertka
