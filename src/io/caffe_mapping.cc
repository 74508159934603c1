// The contexts the ops' Caffe mappings read and write layers and weights through.
#include <optional>

#include "io/caffe_layers.h"
#include "svertka/builder.h"
#include "svertka/error.h"

namespace svertka::caffe_io {

void LayerReader::fail(const std::string& what) const {
  throw IoError(layer_error(file_, layer_, what));
}

void LayerReader::expect_blobs(int bottoms, int tops) const {
  if (bottoms >= 0 && layer_.bottom_size() != bottoms)
    fail("expects " + std::to_string(bottoms) + " bottom(s), got " +
         std::to_string(layer_.bottom_size()));
  if (layer_.top_size() != tops)
    fail("expects " + std::to_string(tops) + " top(s), got " + std::to_string(layer_.top_size()));
}

std::vector<ParamSpec> LayerReader::params(
    const caffe::LayerParameter& from,
    const std::vector<const caffe::FillerParameter*>& fillers) const {
  std::vector<ParamSpec> specs;
  for (size_t i = 0; i < fillers.size(); ++i) {
    ParamSpec spec;
    if (fillers[i]) spec.filler = filler_from_caffe(*fillers[i], file_, from);
    if (int(i) < from.param_size()) {
      spec.lr_mult = from.param(int(i)).lr_mult();
      spec.decay_mult = from.param(int(i)).decay_mult();
    }
    specs.push_back(spec);
  }
  return specs;
}

void LayerReader::add(std::shared_ptr<Op> op, std::vector<ParamSpec> params) {
  std::optional<float> loss_weight;
  if (layer_.loss_weight_size() > 0) loss_weight = layer_.loss_weight(0);
  if (!op->is_loss()) {
    if (loss_weight && *loss_weight != 0)
      fail("loss_weight on a layer that is not a loss is unsupported");
    loss_weight.reset();
  }
  const caffe::LayerParameter& last = took_next_ ? *next_ : layer_;
  builder_.add(layer_.name(), std::move(op), {layer_.bottom().begin(), layer_.bottom().end()},
               {last.top().begin(), last.top().end()}, std::move(params), loss_weight);
}

LayerWriter::LayerWriter(const LayerSpec& spec, std::string_view type, caffe::NetParameter& net,
                         const std::map<std::string, const Tensor*>* weights)
    : spec_(spec), net_(net), index_(net.layer_size()), weights_(weights) {
  caffe::LayerParameter& out = *net.add_layer();
  out.set_name(spec.name);
  out.set_type(std::string(type));
  for (const std::string& b : spec.bottoms) out.add_bottom(b);
  for (const std::string& t : spec.tops) out.add_top(t);
  if (spec.only_in)
    out.add_include()->set_phase(*spec.only_in == Phase::kTrain ? caffe::TRAIN : caffe::TEST);
  if (spec.loss_weight) out.add_loss_weight(*spec.loss_weight);
}

caffe::LayerParameter& LayerWriter::add_follower(const std::string& type, const std::string& name) {
  caffe::LayerParameter& follower = *net_.add_layer();
  const caffe::LayerParameter& main = layer();
  follower.set_name(name);
  follower.set_type(type);
  follower.add_bottom(main.top(0));
  follower.add_top(main.top(0));
  *follower.mutable_include() = main.include();
  return follower;
}

void LayerWriter::param(caffe::LayerParameter& layer, size_t index,
                        caffe::FillerParameter* filler) {
  ParamSpec spec;
  if (index < spec_.params.size())
    spec = spec_.params[index];
  else
    spec.filler = spec_.op->default_filler(index);
  caffe::ParamSpec* p = layer.add_param();
  p->set_lr_mult(spec.lr_mult);
  p->set_decay_mult(spec.decay_mult);
  if (filler) *filler = filler_to_caffe(spec.filler);
}

void LayerWriter::blob(caffe::LayerParameter& layer, size_t index) {
  placed_blobs_ = true;
  if (!weights_) return;
  const std::string name = spec_.name + "." + spec_.op->param_names().at(index);
  const auto it = weights_->find(name);
  if (it == weights_->end()) throw NotFoundError("no weights named '" + name + "' to write");
  const Tensor& t = *it->second;
  caffe::BlobProto* blob = layer.add_blobs();
  for (int64_t d : t.shape().dims()) blob->mutable_shape()->add_dim(d);
  blob->mutable_data()->Add(t.data(), t.data() + t.numel());
}

void LayerWriter::constant_blob(caffe::LayerParameter& layer, const Shape& shape, float value) {
  placed_blobs_ = true;
  if (!weights_) return;
  caffe::BlobProto* blob = layer.add_blobs();
  for (int64_t d : shape.dims()) blob->mutable_shape()->add_dim(d);
  for (int64_t i = 0; i < shape.numel(); ++i) blob->add_data(value);
}

void LayerWriter::unsupported(const std::string& what) const {
  throw ParamError("layer '" + spec_.name + "' (" + std::string(spec_.op->type()) + "): " + what +
                   " has no Caffe equivalent");
}

const caffe::LayerParameter* BlobReader::layer(const std::string& name) const {
  for (const caffe::LayerParameter& layer : net_.layer())
    if (layer.name() == name) return &layer;
  return nullptr;
}

const caffe::LayerParameter* BlobReader::layer_after(const caffe::LayerParameter& layer) const {
  for (int i = 0; i + 1 < net_.layer_size(); ++i)
    if (&net_.layer(i) == &layer) return &net_.layer(i + 1);
  return nullptr;
}

Tensor BlobReader::read(const caffe::LayerParameter& layer, int blob, size_t param) const {
  return read(layer, blob, shapes_.at(param));
}

Tensor BlobReader::read(const caffe::LayerParameter& layer, int blob, const Shape& shape) const {
  if (blob >= layer.blobs_size())
    throw IoError(path_ + ": layer '" + layer.name() + "' (" + layer.type() + ") has " +
                  std::to_string(layer.blobs_size()) + " blobs, expected at least " +
                  std::to_string(blob + 1));
  return read_blob(layer.blobs(blob), shape,
                   path_ + ": blob " + std::to_string(blob) + " of layer '" + layer.name() + "'");
}

Tensor BlobReader::take(size_t param) {
  if (!values_.at(param).defined())
    fail("the Caffe mapping set no value for parameter '" + spec_.op->param_names().at(param) +
         "'");
  return std::move(values_[param]);
}

void BlobReader::fail(const std::string& what) const {
  throw IoError(path_ + ": layer '" + spec_.name + "' (" + std::string(spec_.op->type()) +
                "): " + what);
}

Tensor read_blob(const caffe::BlobProto& blob, const Shape& ours, const std::string& where) {
  Shape theirs;
  if (blob.has_shape()) {
    theirs = Shape(std::vector<int64_t>(blob.shape().dim().begin(), blob.shape().dim().end()));
  } else {
    theirs = Shape{blob.num(), blob.channels(), blob.height(), blob.width()};
  }
  const int64_t count = blob.data_size() > 0 ? blob.data_size() : blob.double_data_size();
  const std::optional<int64_t> their_count = checked_numel(theirs.dims());
  if (!their_count || *their_count != ours.numel() || count != ours.numel())
    throw IoError(where + " holds " + theirs.str() + " (" + std::to_string(count) +
                  " values), expected " + ours.str());
  Tensor tensor(ours);
  for (int64_t i = 0; i < count; ++i)
    tensor[i] = blob.data_size() > 0 ? blob.data(int(i)) : float(blob.double_data(int(i)));
  return tensor;
}

}  // namespace svertka::caffe_io
