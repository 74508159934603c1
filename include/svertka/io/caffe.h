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

#include "svertka/data/caffe_transform.h"
#include "svertka/io/imported_model.h"
#include "svertka/solver/lr_schedule.h"
#include "svertka/solver/sgd.h"

namespace svertka {

struct CaffeImportOptions {
  // Which phase's data layers shape the inputs when a train_val net has one per phase.
  Phase phase = Phase::kTest;
  // (C,H,W) of a Data layer whose transform_param names no crop_size (its size is the database's
  // images'): the dataset's sample shape; empty: such a layer is an error.
  Shape data_shape;
};

// Reads a prototxt net; the result has no weights.
ImportedModel load_caffe_net(const std::string& prototxt_path,
                             const CaffeImportOptions& options = {});

// Reads the blobs of a .caffemodel for the layers of `spec` (matched by layer name; blobs of layers
// the spec lacks are ignored). Accepts BlobProto's `shape` and legacy num/channels/height/width
// forms, InnerProduct weights stored as (1,1,out,in) and biases as (1,1,1,out); the element count
// must match. Throws IoError naming the file and layer for a missing or mismatched blob.
// With `present_only` (fine-tuning, as `caffe train --weights` copies layers by name): the layers
// of `spec` the file lacks are left out instead; a layer it has must still match.
std::vector<NamedTensor> load_caffemodel(const std::string& path, const NetSpec& spec,
                                         bool present_only = false);

// Writes `spec` as a prototxt (Input layers for its inputs, include rules for only_in) and, when
// caffemodel_path is not empty, the weights as a .caffemodel in BlobProto's `shape` form.
void save_caffe(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                const std::string& prototxt_path, const std::string& caffemodel_path);
// The .caffemodel alone (a solver's snapshot, caffe_snapshot.h).
void save_caffemodel(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                     const std::string& caffemodel_path);

// Caffe's mean file (compute_image_mean's mean.binaryproto): a BlobProto of shape (1,C,H,W), in
// BlobShape's or the legacy num/channels/height/width form; returned as (C,H,W). IoError naming the
// file for another shape or a value count that does not match.
Tensor load_caffe_mean(const std::string& path);
// Writes a (C,H,W) mean as compute_image_mean does (legacy fields num 1, channels, height, width).
void save_caffe_mean(const std::string& path, const Tensor& mean);

// A Data layer of a train_val net: where its LMDB is and how its images are transformed.
struct CaffeDataLayer {
  std::string name;
  Phase phase = Phase::kTrain;
  std::string source;  // resolved next to the prototxt when not found as given
  int64_t batch_size = 0;
  CaffeTransform transform;  // its mean file loaded
};
// The Data layers of `prototxt`, one entry per phase each is in. IoError naming the file and
// layer for a LEVELDB backend, rand_skip, a missing source or batch_size, mean_file together with
// mean_value, or a mean file that cannot be read.
std::vector<CaffeDataLayer> load_caffe_data_layers(const std::string& prototxt);

// A solver file: every lr_policy and solver type of Caffe's; clip_gradients (into sgd, divided by
// iter_size: Caffe clips the summed gradients), average_loss, test_initialization and
// snapshot_after_train. A field svertka does not know is an IoError naming file, line and field.
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
  // Resolved as Caffe does: no prefix is the solver file without its extension, a directory
  // that directory / the solver file's stem; a prefix whose folder does not exist is taken next
  // to the solver (as the net is). snapshot_format HDF5 is an IoError naming file and line.
  std::string snapshot_prefix;
  int64_t display = 0;
  int64_t random_seed = -1;
  int64_t average_loss = 1;         // the displayed loss: the mean of this many updates'
  bool test_initialization = true;  // test before the first update (with test_interval)
  bool snapshot_after_train = true;
};
CaffeSolver load_caffe_solver(const std::string& path);

}  // namespace svertka
