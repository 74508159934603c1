// Caffe prototxt -> NetSpec: inputs and phase rules here, each op's layers by its registry entry.
#include <map>
#include <set>

#include "core/error_context.h"
#include "io/caffe_layers.h"
#include "io/format_registry.h"
#include "io/proto_io.h"
#include "svertka/builder.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

using caffe::LayerParameter;

// Caffe's StateMeetsRule for a net state of `phase` with the net's level and stages.
bool meets_rule(const caffe::NetStateRule& rule, caffe::Phase phase, const caffe::NetState& state) {
  if (rule.has_phase() && rule.phase() != phase) return false;
  if (rule.has_min_level() && state.level() < rule.min_level()) return false;
  if (rule.has_max_level() && state.level() > rule.max_level()) return false;
  const std::set<std::string> stages(state.stage().begin(), state.stage().end());
  for (const std::string& s : rule.stage())
    if (!stages.count(s)) return false;
  for (const std::string& s : rule.not_stage())
    if (stages.count(s)) return false;
  return true;
}

bool included(const LayerParameter& layer, caffe::Phase phase, const caffe::NetState& state) {
  if (layer.include_size() > 0) {
    for (const auto& rule : layer.include())
      if (meets_rule(rule, phase, state)) return true;
    return false;
  }
  for (const auto& rule : layer.exclude())
    if (meets_rule(rule, phase, state)) return false;
  return true;
}

// More than any CNN's input has; a rank from a file is bounded before shapes are built of it.
constexpr size_t kMaxInputRank = 8;

// `dims` as a shape, checked: IoError naming `where` for a negative dimension, a product that
// overflows or a rank over kMaxInputRank.
Shape checked_shape(std::vector<int64_t> dims, const std::string& where) {
  if (!checked_numel(dims) || dims.size() > kMaxInputRank)
    throw IoError(where + ": shape " + Shape(dims).str() +
                  " has a negative dimension, more elements than an int64 counts or a rank over " +
                  std::to_string(kMaxInputRank));
  return Shape(std::move(dims));
}

Shape blob_shape(const caffe::BlobShape& shape, const std::string& where) {
  return checked_shape(std::vector<int64_t>(shape.dim().begin(), shape.dim().end()), where);
}

class Importer {
 public:
  Importer(std::string file, const CaffeImportOptions& options)
      : file_(std::move(file)), options_(options), builder_("") {}

  ImportedModel run(const caffe::NetParameter& net) {
    builder_ = NetBuilder(net.name());
    legacy_inputs(net);
    std::vector<LayerParameter> layers(net.layer().begin(), net.layer().end());
    for (const auto& v1 : net.layers()) layers.push_back(caffe_io::upgrade_v1(v1, file_));
    std::vector<LayerParameter> active;  // in at least one phase
    for (const LayerParameter& layer : layers)
      if (included(layer, caffe::TRAIN, net.state()) || included(layer, caffe::TEST, net.state()))
        active.push_back(layer);
    for (size_t i = 0; i < active.size(); ++i) {
      const LayerParameter* next = i + 1 < active.size() ? &active[i + 1] : nullptr;
      if (add_layer(active[i], next, net.state())) ++i;
    }
    NetSpec spec = builder_.build();
    for (const std::string& name : order_) spec.inputs.push_back(inputs_.at(name).spec);
    ImportedModel model{std::move(spec), {}, "", ""};
    model.logits = find_logits(model.spec);
    return model;
  }

 private:
  struct Input {
    InputSpec spec;
    bool preferred;  // from a layer active in the requested phase
  };

  [[noreturn]] void fail(const LayerParameter& layer, const std::string& what) const {
    throw IoError(caffe_io::layer_error(file_, layer, what));
  }

  void add_input(const std::string& name, Shape shape, bool preferred) {
    const auto it = inputs_.find(name);
    if (it != inputs_.end() && (it->second.preferred || !preferred)) return;
    if (it == inputs_.end()) order_.push_back(name);
    inputs_[name] = {InputSpec{name, std::move(shape)}, preferred};
  }

  void legacy_inputs(const caffe::NetParameter& net) {
    for (int i = 0; i < net.input_size(); ++i) {
      Shape shape;
      const std::string where = file_ + ": input '" + net.input(i) + "'";
      if (i < net.input_shape_size()) {
        shape = blob_shape(net.input_shape(i), where);
      } else if (net.input_dim_size() >= 4 * (i + 1)) {
        shape = checked_shape({net.input_dim(4 * i), net.input_dim(4 * i + 1),
                               net.input_dim(4 * i + 2), net.input_dim(4 * i + 3)},
                              where);
      } else {
        throw IoError(file_ + ": input '" + net.input(i) +
                      "' has neither an input_shape nor four input_dim values");
      }
      add_input(net.input(i), shape, true);
    }
  }

  void data_layer(const LayerParameter& layer, bool preferred) {
    const std::string& type = layer.type();
    const std::string where = caffe_io::layer_error(file_, layer, "top");
    if (layer.top_size() == 0) fail(layer, "has no top");
    if (type == "Input") {
      const auto& shapes = layer.input_param().shape();
      if (shapes.empty() || (shapes.size() != 1 && shapes.size() != layer.top_size()))
        fail(layer, "input_param has " + std::to_string(shapes.size()) + " shapes for " +
                        std::to_string(layer.top_size()) + " tops (give one, or one per top)");
      for (int i = 0; i < layer.top_size(); ++i)
        add_input(
            layer.top(i),
            blob_shape(shapes.size() == 1 ? shapes[0] : shapes[i], where + " " + layer.top(i)),
            preferred);
      return;
    }
    if (type == "DummyData") return dummy_data(layer, preferred);
    // Data / ImageData: images of the crop (or resize) size and a label per image. Caffe gives a
    // Data layer the channels of its database's images; the file tells them only by
    // transform_param.force_gray, so colour is assumed otherwise. ImageData: is_color.
    int64_t batch = 0, channels = 3, height = 0, width = 0;
    const int64_t crop = layer.transform_param().crop_size();
    if (type == "Data") {
      batch = layer.data_param().batch_size();
      height = width = crop ? crop : layer.data_param().crop_size();
      if (layer.transform_param().force_gray()) channels = 1;
      const Shape& data = options_.data_shape;
      if (height == 0 && data.rank() == 3) {  // the database's own size, from the dataset
        channels = data[0];
        height = data[1];
        width = data[2];
      }
    } else {
      const auto& p = layer.image_data_param();
      batch = p.batch_size();
      height = crop ? crop : p.new_height();
      width = crop ? crop : p.new_width();
      if (!p.is_color()) channels = 1;
    }
    if (batch <= 0 || height <= 0 || width <= 0)
      fail(layer,
           "cannot tell the image size: set transform_param.crop_size (or new_height and "
           "new_width), or give the data");
    add_input(layer.top(0), checked_shape({batch, channels, height, width}, where), preferred);
    if (layer.top_size() > 1) add_input(layer.top(1), Shape{batch}, preferred);
  }

  // DummyData: a BlobShape per top (or one for all), or the legacy num, channels, height and width,
  // each with one value per top or one for all.
  void dummy_data(const LayerParameter& layer, bool preferred) {
    const auto& p = layer.dummy_data_param();
    const int tops = layer.top_size();
    const auto check_count = [&](int count, const char* field) {
      if (count != 1 && count != tops)
        fail(layer, std::string("dummy_data_param has ") + std::to_string(count) + " " + field +
                        " value(s) for " + std::to_string(tops) +
                        " tops (give one, or one per top)");
    };
    if (p.shape_size() > 0) {
      check_count(p.shape_size(), "shape");
    } else if (p.num_size() > 0) {
      check_count(p.num_size(), "num");
      check_count(p.channels_size(), "channels");
      check_count(p.height_size(), "height");
      check_count(p.width_size(), "width");
    } else {
      fail(layer, "dummy_data_param has no shape");
    }
    for (int i = 0; i < tops; ++i) {
      const std::string where = caffe_io::layer_error(file_, layer, "top " + layer.top(i));
      const auto at = [&](const auto& field) {
        return int64_t(field.Get(field.size() == 1 ? 0 : i));
      };
      const Shape shape =
          p.shape_size() > 0
              ? blob_shape(p.shape(p.shape_size() == 1 ? 0 : i), where)
              : checked_shape({at(p.num()), at(p.channels()), at(p.height()), at(p.width())},
                              where);
      add_input(layer.top(i), shape, preferred);
    }
  }

  // Adds the layer; returns whether its op also took `next` (a Scale after a BatchNorm). Any error
  // while reading it names the file and the layer.
  bool add_layer(const LayerParameter& layer, const LayerParameter* next,
                 const caffe::NetState& state) {
    bool took_next = false;
    error_context::with_context(file_, caffe_io::layer_error(file_, layer, ""),
                                [&] { took_next = read_layer(layer, next, state); });
    return took_next;
  }

  bool read_layer(const LayerParameter& layer, const LayerParameter* next,
                  const caffe::NetState& state) {
    const bool train = included(layer, caffe::TRAIN, state);
    const bool test = included(layer, caffe::TEST, state);
    const std::string& type = layer.type();
    if (type == "Input" || type == "DummyData" || type == "Data" || type == "ImageData") {
      data_layer(layer, options_.phase == Phase::kTrain ? train : test);
      return false;
    }
    if (layer.propagate_down_size() > 0) fail(layer, "propagate_down is unsupported");
    const CaffeMapping* caffe = mapping_of(type);
    if (!caffe) fail(layer, "unsupported layer type");
    std::optional<Phase> only_in;
    if (!train) only_in = Phase::kTest;
    if (!test) only_in = Phase::kTrain;
    builder_.only_in(only_in);
    caffe_io::LayerReader reader(file_, layer, next, builder_);
    caffe->read(reader);
    if (!reader.took_next()) return false;
    if (included(*next, caffe::TRAIN, state) != train ||
        included(*next, caffe::TEST, state) != test)
      fail(*next, "is read together with layer '" + layer.name() + "' and must be in its phases");
    if (next->propagate_down_size() > 0) fail(*next, "propagate_down is unsupported");
    return true;
  }

  static const CaffeMapping* mapping_of(const std::string& type) {
    for (const FormatEntry* entry : format_entries())
      if (const CaffeMapping* caffe = mapping(entry->caffe); caffe && caffe->layer_type == type)
        return caffe;
    return nullptr;
  }

  std::string file_;
  CaffeImportOptions options_;
  NetBuilder builder_;
  std::map<std::string, Input> inputs_;
  std::vector<std::string> order_;
};

}  // namespace

ImportedModel load_caffe_net(const std::string& path, const CaffeImportOptions& options) {
  caffe::NetParameter net;
  proto_io::parse_text(path, net);
  ImportedModel model = Importer(path, options).run(net);
  model.spec.source = path;
  return model;
}

}  // namespace svertka
