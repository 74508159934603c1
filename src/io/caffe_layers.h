// Shared by the Caffe reader and writer and the ops' Caffe mappings (io/format_registry.h): the
// contexts a mapping reads a layer, writes a layer and reads its weights through, the messages'
// filler mapping and the V1 upgrade.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "caffe.pb.h"
#include "svertka/filler.h"
#include "svertka/net_spec.h"

namespace svertka {
class NetBuilder;
}

namespace svertka::caffe_io {

// "<file>: layer '<name>' (<type>): <what>", the form of every unsupported-feature error.
std::string layer_error(const std::string& file, const caffe::LayerParameter& layer,
                        const std::string& what);

// One prototxt layer being imported (caffe_import.cc makes one per layer).
class LayerReader {
 public:
  LayerReader(const std::string& file, const caffe::LayerParameter& layer,
              const caffe::LayerParameter* next, NetBuilder& builder)
      : file_(file), layer_(layer), next_(next), builder_(builder) {}

  const caffe::LayerParameter& layer() const { return layer_; }
  // Throws IoError "<file>: layer '<name>' (<type>): <what>".
  [[noreturn]] void fail(const std::string& what) const;
  // Fails unless the layer has `bottoms` bottoms (-1: any number) and `tops` tops.
  void expect_blobs(int bottoms, int tops) const;
  // One ParamSpec per entry of `fillers`: lr_mult and decay_mult from the layer's `param {}`s, the
  // filler where one is given (null: ParamSpec's default).
  std::vector<ParamSpec> params(const std::vector<const caffe::FillerParameter*>& fillers) const {
    return params(layer_, fillers);
  }
  // The same from the `param {}`s of `from` (a layer taken with take_next()).
  std::vector<ParamSpec> params(const caffe::LayerParameter& from,
                                const std::vector<const caffe::FillerParameter*>& fillers) const;
  // The layer after this one in the file, or null. take_next() makes it part of this layer (a
  // Scale after a BatchNorm): its tops become the op's, and the importer does not read it again.
  const caffe::LayerParameter* next() const { return next_; }
  void take_next() { took_next_ = true; }
  bool took_next() const { return took_next_; }
  // Adds `op` under the layer's name, with its bottoms, tops and loss_weight.
  void add(std::shared_ptr<Op> op, std::vector<ParamSpec> params = {});

 private:
  const std::string& file_;
  const caffe::LayerParameter& layer_;
  const caffe::LayerParameter* next_;
  NetBuilder& builder_;
  bool took_next_ = false;
};

// One layer of a NetSpec being exported (caffe_export.cc makes one per layer).
class LayerWriter {
 public:
  // Appends the layer to `net` with its name, `type`, bottoms, tops, phase and loss_weight. With
  // `weights`, blobs are written too (a .caffemodel); without, they are skipped (a prototxt).
  LayerWriter(const LayerSpec& spec, std::string_view type, caffe::NetParameter& net,
              const std::map<std::string, const Tensor*>* weights);

  const LayerSpec& spec() const { return spec_; }
  template <class OpT>
  const OpT& op() const {
    return dynamic_cast<const OpT&>(*spec_.op);
  }
  caffe::LayerParameter& layer() { return *net_.mutable_layer(index_); }
  // A layer of `type` after it, in place on its first top and in the same phase.
  caffe::LayerParameter& add_follower(const std::string& type, const std::string& name);
  // `param { lr_mult decay_mult }` of the op's parameter `index` on `layer`, and its filler into
  // `filler` where given.
  void param(caffe::LayerParameter& layer, size_t index, caffe::FillerParameter* filler = nullptr);
  // The values of parameter `index` as a blob of `layer`, when weights are written.
  void blob(caffe::LayerParameter& layer, size_t index);
  // A blob of `shape` filled with `value`, when weights are written.
  void constant_blob(caffe::LayerParameter& layer, const Shape& shape, float value);
  // Whether the mapping placed any blob itself; otherwise the exporter writes every parameter, in
  // order, on layer().
  bool placed_blobs() const { return placed_blobs_; }
  // Throws ParamError "layer '<name>' (<type>): <what> has no Caffe equivalent".
  [[noreturn]] void unsupported(const std::string& what) const;

 private:
  const LayerSpec& spec_;
  caffe::NetParameter& net_;
  int index_;
  const std::map<std::string, const Tensor*>* weights_;
  bool placed_blobs_ = false;
};

// The weights of one NetSpec layer being read from a .caffemodel (caffe_weights.cc).
class BlobReader {
 public:
  BlobReader(const std::string& path, const caffe::NetParameter& net, const LayerSpec& spec,
             std::vector<Shape> param_shapes)
      : path_(path),
        net_(net),
        spec_(spec),
        shapes_(std::move(param_shapes)),
        values_(shapes_.size()) {}

  const LayerSpec& spec() const { return spec_; }
  // The file's layer named `name`, and the layer stored right after it; null if there is none.
  const caffe::LayerParameter* layer(const std::string& name) const;
  const caffe::LayerParameter* layer_after(const caffe::LayerParameter& layer) const;
  // Blob `blob` of `layer` with parameter `param`'s element count, shaped as that parameter.
  Tensor read(const caffe::LayerParameter& layer, int blob, size_t param) const;
  // The same for a blob of any other shape (BatchNorm's scale factor).
  Tensor read(const caffe::LayerParameter& layer, int blob, const Shape& shape) const;
  const Shape& param_shape(size_t param) const { return shapes_.at(param); }
  // The value of parameter `param` (the mapping sets every one).
  void set(size_t param, Tensor value) { values_.at(param) = std::move(value); }
  Tensor take(size_t param);
  // Throws IoError "<path>: layer '<name>' (<type>): <what>".
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const std::string& path_;
  const caffe::NetParameter& net_;
  const LayerSpec& spec_;
  std::vector<Shape> shapes_;
  std::vector<Tensor> values_;
};

// The values of a blob given as `shape` or in the legacy 4-D form, checked against `ours`.
Tensor read_blob(const caffe::BlobProto& blob, const Shape& ours, const std::string& where);

// Converts a legacy V1 layer (enum type, blobs_lr / weight_decay) to the current form; IoError for
// a type svertka has no mapping for.
caffe::LayerParameter upgrade_v1(const caffe::V1LayerParameter& v1, const std::string& file);

Filler filler_from_caffe(const caffe::FillerParameter& filler, const std::string& file,
                         const caffe::LayerParameter& layer);
caffe::FillerParameter filler_to_caffe(const Filler& filler);

// `&f` where the message has the filler (`has`), else null: for LayerReader::params.
inline const caffe::FillerParameter* filler_if(bool has, const caffe::FillerParameter& f) {
  return has ? &f : nullptr;
}

}  // namespace svertka::caffe_io
