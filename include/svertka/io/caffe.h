// Caffe's formats: nets as text prototxt (current `layer {}` and legacy V1 `layers {}` syntax),
// weights as binary .caffemodel (NetParameter with blobs), and SGD solver files. The messages are
// our own subset of Caffe's caffe.proto with Caffe's field numbers (proto/caffe.proto).
//
// Supported layers: Input, DummyData, Data, ImageData (inputs: "data" and "label" shaped from the
// batch size and crop/resize, with 3 channels unless transform_param.force_gray (Data) or
// is_color: false (ImageData) says 1), and the layers of every op whose registry entry
// (src/ops/<op>.cc) has a Caffe mapping: Convolution, InnerProduct, ReLU, LRN (across channels),
// Pooling (MAX, AVE), Dropout, Concat, Softmax, SoftmaxWithLoss, EuclideanLoss, Accuracy and more.
// include/exclude rules on phase become LayerSpec::only_in. Anything else throws IoError naming
// the file, the layer and its type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "svertka/io/imported_model.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"

namespace svertka {

struct CaffeImportOptions {
  // Which phase's data layers shape the inputs when a train_val net has one per phase.
  Phase phase = Phase::kTest;
};

// Reads a prototxt net; the result has no weights.
ImportedModel load_caffe_net(const std::string& prototxt_path,
                             const CaffeImportOptions& options = {});

// Reads the blobs of a .caffemodel for the layers of `spec` (matched by layer name; blobs of layers
// the spec lacks are ignored). Accepts BlobProto's `shape` and legacy num/channels/height/width
// forms, InnerProduct weights stored as (1,1,out,in) and biases as (1,1,1,out); the element count
// must match. Throws IoError naming the file and layer for a missing or mismatched blob.
std::vector<NamedTensor> load_caffemodel(const std::string& path, const NetSpec& spec);

// Writes `spec` as a prototxt (Input layers for its inputs, include rules for only_in) and, when
// caffemodel_path is not empty, the weights as a .caffemodel in BlobProto's `shape` form.
void save_caffe(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                const std::string& prototxt_path, const std::string& caffemodel_path);

// An SGD solver file. lr_policy fixed, step, multistep and poly are supported (others throw).
struct CaffeSolver {
  std::string path;
  std::string
      net;  // the net file, resolved relative to the solver's folder when not found as given
  LrScheduleOptions schedule;
  SgdOptions sgd;
  int64_t max_iter = 0;
  int64_t iter_size = 1;
  int64_t test_interval = 0;  // 0: no testing
  int64_t test_iter = 0;
  int64_t snapshot = 0;  // iterations between snapshots; 0: none
  std::string snapshot_prefix;
  int64_t display = 0;
  int64_t random_seed = -1;
};
CaffeSolver load_caffe_solver(const std::string& path);

}  // namespace svertka
