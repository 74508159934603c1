#include "lmdb_data.h"

#include <filesystem>

#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka::cli {
namespace {

std::vector<CaffeDataLayer> data_layers(const std::string& net) {
  return net.ends_with(".prototxt") ? load_caffe_data_layers(net) : std::vector<CaffeDataLayer>{};
}

const CaffeDataLayer* layer_of(const std::vector<CaffeDataLayer>& layers, Phase phase) {
  for (const CaffeDataLayer& layer : layers)
    if (layer.phase == phase) return &layer;
  return nullptr;
}

// Caffe's transform from our options, for LMDBs without a Data layer.
CaffeTransform transform_from_options(const ImageDataArgs& image, bool mirror) {
  CaffeTransform t{.scale = image.pixel_scale,
                   .mirror = mirror,
                   .crop_size = image.crop,
                   .mean_value = image.mean_value};
  if (!image.mean_file.empty()) {
    if (!image.mean_value.empty()) throw ParamError("--mean-file and --mean-value: give one");
    t.mean = load_caffe_mean(image.mean_file);
    t.mean_source = image.mean_file;
  }
  return t;
}

}  // namespace

bool uses_lmdb(const std::string& net, const std::string& data, const ImageDataArgs& image) {
  if (!data.empty()) return is_lmdb(data);
  if (!image.train_list.empty()) return false;
  return !data_layers(net).empty();
}

LmdbData open_lmdb_data(const std::string& net, const std::string& data, const ImageDataArgs& image,
                        bool mirror) {
  const std::vector<CaffeDataLayer> layers = data_layers(net);
  const CaffeDataLayer* train_layer = layer_of(layers, Phase::kTrain);
  const CaffeDataLayer* test_layer = layer_of(layers, Phase::kTest);
  if (!layers.empty() && (!image.mean_file.empty() || !image.mean_value.empty()))
    throw ParamError("--mean-file / --mean-value: the net's Data layers give transform_param");
  const std::string train_source = !data.empty() ? data : train_layer ? train_layer->source : "";
  if (train_source.empty()) throw ParamError("no training LMDB: give --data or a TRAIN Data layer");
  std::string val_source;
  std::error_code error;
  if (!image.val_list.empty()) {
    if (!is_lmdb(image.val_list))
      throw ParamError("--val-list '" + image.val_list + "' is not an LMDB, and --data is one");
    val_source = image.val_list;
  } else if (test_layer && std::filesystem::exists(test_layer->source, error)) {
    val_source = test_layer->source;
  }
  CaffeTransform train_transform =
      train_layer ? train_layer->transform : transform_from_options(image, mirror);
  CaffeTransform val_transform = test_layer ? test_layer->transform : train_transform;
  if (!test_layer) val_transform.mirror = false;
  LmdbData d;
  d.batch = train_layer ? train_layer->batch_size : 0;
  d.train = std::make_unique<LmdbBatchSource>(
      train_source, LmdbSourceOptions{.transform = train_transform, .num_classes = image.num_classes});
  if (!val_source.empty())
    d.validation = std::make_unique<LmdbBatchSource>(
        val_source,
        LmdbSourceOptions{.transform = val_transform,
                          .num_classes = image.num_classes > 0 ? image.num_classes
                                                               : d.train->num_classes()});
  return d;
}

}  // namespace svertka::cli
