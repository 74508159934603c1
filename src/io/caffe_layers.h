// Shared by the Caffe reader and writer: the messages' Phase/filler mapping and the V1 upgrade.
#pragma once

#include <string>

#include "caffe.pb.h"
#include "svertka/filler.h"
#include "svertka/op.h"

namespace svertka::caffe_io {

// "<file>: layer '<name>' (<type>): <what>", the form of every unsupported-feature error.
std::string layer_error(const std::string& file, const caffe::LayerParameter& layer,
                        const std::string& what);

// Converts a legacy V1 layer (enum type, blobs_lr / weight_decay) to the current form; IoError for
// a type svertka has no mapping for.
caffe::LayerParameter upgrade_v1(const caffe::V1LayerParameter& v1, const std::string& file);

Filler filler_from_caffe(const caffe::FillerParameter& filler, const std::string& file,
                         const caffe::LayerParameter& layer);
caffe::FillerParameter filler_to_caffe(const Filler& filler);

}  // namespace svertka::caffe_io
