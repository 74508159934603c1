// Caffe LMDB datasets for train (and any command that wants them): from --data PATH.lmdb (and
// --val-list naming the validation LMDB), or from the Data layers of a train_val prototxt, each
// record transformed by transform_param (caffe_transform.h).
#pragma once

#include <memory>
#include <string>

#include "data_options.h"
#include "svertka/data/lmdb_source.h"

namespace svertka::cli {

struct LmdbData {
  std::unique_ptr<LmdbBatchSource> train, validation;
  int64_t batch = 0;  // the TRAIN Data layer's batch_size; 0: no Data layer gave one
};

// Whether train reads LMDBs: --data names one, or no data is given and `net` (a prototxt) has a
// Data layer.
bool uses_lmdb(const std::string& net, const std::string& data, const ImageDataArgs& image);

// The training and validation LMDBs. Sources: --data (else the TRAIN Data layer's), --val-list
// when it is an LMDB (else the TEST Data layer's, when it exists on disk). Transforms: the Data
// layers' transform_param when `net` has them, else --crop, --pixel-scale, `mirror` (training
// only), --mean-file or --mean-value. ParamError when there is no training source.
LmdbData open_lmdb_data(const std::string& net, const std::string& data, const ImageDataArgs& image,
                        bool mirror);

}  // namespace svertka::cli
