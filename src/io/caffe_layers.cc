#include "io/caffe_layers.h"

#include <algorithm>

#include "io/format_registry.h"
#include "svertka/builder.h"
#include "svertka/error.h"

namespace svertka::caffe_io {

std::string layer_error(const std::string& file, const caffe::LayerParameter& layer,
                        const std::string& what) {
  return file + ": layer '" + layer.name() + "' (" + layer.type() + "): " + what;
}

namespace {

// The types of the V1 enum that are inputs rather than ops.
const std::map<std::string, std::string>& v1_data_layers() {
  static const std::map<std::string, std::string> names{
      {"DATA", "Data"}, {"DUMMY_DATA", "DummyData"}, {"IMAGE_DATA", "ImageData"}};
  return names;
}

// The current type name of a V1 enum value, from the op registry; empty if no op has it.
std::string v1_type_name(caffe::V1LayerParameter::LayerType type) {
  const std::string name = caffe::V1LayerParameter::LayerType_Name(type);
  if (const auto it = v1_data_layers().find(name); it != v1_data_layers().end()) return it->second;
  for (const FormatEntry* entry : format_entries()) {
    const CaffeMapping* caffe = mapping(entry->caffe);
    const auto* v1 = caffe ? std::get_if<std::string_view>(&caffe->v1_type) : nullptr;
    if (v1 && *v1 == name) return std::string(caffe->layer_type);
  }
  return "";
}

// Every `<kind>_param` message V1 sets, into the field of that name (the same message type).
void copy_type_params(const caffe::V1LayerParameter& v1, caffe::LayerParameter& layer) {
  using google::protobuf::FieldDescriptor;
  const auto* from = v1.GetReflection();
  const auto* to = layer.GetReflection();
  const auto* descriptor = v1.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string& name = field->name();
    if (field->is_repeated() || field->type() != FieldDescriptor::TYPE_MESSAGE ||
        !name.ends_with("_param") || !from->HasField(v1, field))
      continue;
    const FieldDescriptor* target = layer.GetDescriptor()->FindFieldByName(name);
    if (!target) throw Error("proto/caffe.proto: LayerParameter lacks V1's field " + name);
    to->MutableMessage(&layer, target)->CopyFrom(from->GetMessage(v1, field));
  }
}

}  // namespace

caffe::LayerParameter upgrade_v1(const caffe::V1LayerParameter& v1, const std::string& file) {
  caffe::LayerParameter layer;
  layer.set_name(v1.name());
  layer.set_type(v1_type_name(v1.type()));
  if (layer.type().empty())
    throw IoError(file + ": legacy layer '" + v1.name() + "' (" +
                  caffe::V1LayerParameter::LayerType_Name(v1.type()) + "): unsupported layer type");
  *layer.mutable_bottom() = v1.bottom();
  *layer.mutable_top() = v1.top();
  *layer.mutable_include() = v1.include();
  *layer.mutable_exclude() = v1.exclude();
  *layer.mutable_blobs() = v1.blobs();
  *layer.mutable_loss_weight() = v1.loss_weight();
  const int params = std::max(v1.blobs_lr_size(), v1.weight_decay_size());
  for (int i = 0; i < params; ++i) {
    caffe::ParamSpec* spec = layer.add_param();
    if (i < v1.blobs_lr_size()) spec->set_lr_mult(v1.blobs_lr(i));
    if (i < v1.weight_decay_size()) spec->set_decay_mult(v1.weight_decay(i));
  }
  copy_type_params(v1, layer);
  return layer;
}

Filler filler_from_caffe(const caffe::FillerParameter& f, const std::string& file,
                         const caffe::LayerParameter& layer) {
  const std::string& type = f.type();
  if (f.variance_norm() != caffe::FillerParameter::FAN_IN)
    throw IoError(
        layer_error(file, layer, "filler variance_norm other than FAN_IN is unsupported"));
  if (type == "constant") return Filler::constant(f.value());
  if (type == "gaussian") {
    if (f.mean() != 0 || f.sparse() > 0)
      throw IoError(layer_error(file, layer,
                                "gaussian filler with a non-zero mean or sparse is unsupported"));
    return Filler::gaussian(f.std());
  }
  if (type == "xavier") return Filler::xavier();
  if (type == "msra") return Filler::msra();
  throw IoError(layer_error(file, layer, "unsupported filler type '" + type + "'"));
}

caffe::FillerParameter filler_to_caffe(const Filler& filler) {
  caffe::FillerParameter f;
  switch (filler.kind) {
    case Filler::Kind::kConstant:
      f.set_type("constant"), f.set_value(float(filler.value));
      break;
    case Filler::Kind::kGaussian:
      f.set_type("gaussian"), f.set_std(float(filler.std));
      break;
    case Filler::Kind::kXavier:
      f.set_type("xavier");
      break;
    case Filler::Kind::kMsra:
      f.set_type("msra");
      break;
  }
  return f;
}

}  // namespace svertka::caffe_io
