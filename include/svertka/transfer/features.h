// Feature files: the activations of one blob for a whole dataset, with the labels, written as they
// are computed (nothing holds the whole set in memory) and readable by PyTorch / NumPy:
//   FILE.safetensors  "features" F32 (N,D) and "labels" F32 (N); metadata names model and layer
//   FILE.npy          features <f4 (N,D), and the labels <i8 (N) beside it in FILE.labels.npy
// Each file is written under a temporary name and renamed when complete.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "svertka/tensor.h"

namespace svertka {

enum class FeatureFormat { kSafetensors, kNpy };

// By extension: .npy, else safetensors.
FeatureFormat feature_format(const std::string& path);
// FILE.npy -> FILE.labels.npy.
std::string npy_labels_path(const std::string& npy_path);

class FeatureWriter {
 public:
  // IoError if the file cannot be created; ParamError for non-positive sizes.
  FeatureWriter(std::string path, int64_t rows, int64_t dim,
                std::map<std::string, std::string> metadata = {});
  ~FeatureWriter();
  FeatureWriter(const FeatureWriter&) = delete;
  FeatureWriter& operator=(const FeatureWriter&) = delete;

  // `count` rows of dim floats, and their labels. ParamError past `rows`.
  void append(const float* rows, const float* labels, int64_t count);
  // Writes the labels and renames the files into place; ParamError unless every row was appended.
  void finish();
  int64_t written() const { return written_; }

 private:
  std::string path_, tmp_;
  FeatureFormat format_;
  int64_t rows_, dim_, written_ = 0;
  std::vector<float> labels_;
  std::ofstream out_;
  bool finished_ = false;
};

struct FeatureSet {
  Tensor features;              // (N,D)
  std::vector<int64_t> labels;  // N
  int64_t size() const { return int64_t(labels.size()); }
  int64_t dim() const { return features.dim(1); }
};

// Reads a file FeatureWriter wrote (either format). IoError naming the file for a missing file,
// a bad header or a labels count that does not match.
FeatureSet load_features(const std::string& path);

}  // namespace svertka
