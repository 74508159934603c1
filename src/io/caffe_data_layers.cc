// The Data layers of a train_val prototxt as datasets: their LMDB sources, batch sizes and
// transform_param, per phase.
#include <filesystem>
#include <functional>

#include "caffe.pb.h"
#include "io/caffe_layers.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

namespace fs = std::filesystem;

// Caffe opens paths relative to the working directory (its root, in BVLC's examples); a net moved
// with its data finds them next to the prototxt, as given or by their last component.
std::string resolve_beside(const std::string& path, const std::string& prototxt) {
  std::error_code error;
  if (path.empty() || fs::exists(path, error)) return path;
  const fs::path dir = fs::path(prototxt).parent_path();
  for (const fs::path& candidate : {dir / path, dir / fs::path(path).filename()})
    if (fs::exists(candidate, error)) return candidate.string();
  return path;
}

// The phases a layer is in: its include rules' phases, or both (exclude rules: the other one).
std::vector<Phase> layer_phases(const caffe::LayerParameter& layer) {
  auto ours = [](caffe::Phase p) { return p == caffe::TRAIN ? Phase::kTrain : Phase::kTest; };
  if (layer.include_size() > 0) {
    std::vector<Phase> phases;
    for (const auto& rule : layer.include())
      phases.push_back(rule.has_phase() ? ours(rule.phase()) : Phase::kTrain);
    return phases;
  }
  for (const auto& rule : layer.exclude())
    if (rule.has_phase())
      return {ours(rule.phase()) == Phase::kTrain ? Phase::kTest : Phase::kTrain};
  return {Phase::kTrain, Phase::kTest};
}

// transform_param, with data_param's deprecated scale / mean_file / crop_size / mirror moved into
// it as Caffe's upgrade does (both set: an error).
CaffeTransform transform_of(const caffe::LayerParameter& layer, const std::string& prototxt,
                            const std::function<void(const std::string&)>& fail) {
  caffe::TransformationParameter t = layer.transform_param();
  const caffe::DataParameter& d = layer.data_param();
  if (d.has_scale() || d.has_mean_file() || d.has_crop_size() || d.has_mirror()) {
    if (layer.has_transform_param())
      fail(
          "sets both transform_param and data_param's deprecated scale/mean_file/crop_size/mirror");
    if (d.has_scale()) t.set_scale(d.scale());
    if (d.has_mean_file()) t.set_mean_file(d.mean_file());
    if (d.has_crop_size()) t.set_crop_size(d.crop_size());
    if (d.has_mirror()) t.set_mirror(d.mirror());
  }
  if (t.has_mean_file() && t.mean_value_size() > 0)
    fail("transform_param sets both mean_file and mean_value (Caffe takes one)");
  CaffeTransform out{.scale = t.scale(),
                     .mirror = t.mirror(),
                     .crop_size = int64_t(t.crop_size()),
                     .mean_value = {t.mean_value().begin(), t.mean_value().end()},
                     .force_color = t.force_color(),
                     .force_gray = t.force_gray()};
  if (t.has_mean_file()) {
    out.mean_source = resolve_beside(t.mean_file(), prototxt);
    out.mean = load_caffe_mean(out.mean_source);
  }
  return out;
}

}  // namespace

std::vector<CaffeDataLayer> load_caffe_data_layers(const std::string& prototxt) {
  caffe::NetParameter net;
  proto_io::parse_text(prototxt, net);
  // A legacy V1 net's DATA layers, in the current form (their data_param and transform_param
  // are the same messages); its other layers are not needed here.
  for (const caffe::V1LayerParameter& v1 : net.layers())
    if (v1.type() == caffe::V1LayerParameter::DATA)
      *net.add_layer() = caffe_io::upgrade_v1(v1, prototxt);
  std::vector<CaffeDataLayer> found;
  for (const caffe::LayerParameter& layer : net.layer()) {
    if (layer.type() != "Data") continue;
    auto fail = [&](const std::string& what) {
      throw IoError(prototxt + ": Data layer '" + layer.name() + "': " + what);
    };
    const caffe::DataParameter& d = layer.data_param();
    if (d.backend() != caffe::DataParameter::LMDB)
      fail(
          "backend LEVELDB is unsupported (svertka reads LMDB; convert the database, or set "
          "`backend: LMDB` if it is one)");
    if (d.rand_skip() > 0) fail("rand_skip is unsupported (the order is shuffled per epoch)");
    if (!d.has_source()) fail("data_param has no source");
    if (d.batch_size() == 0) fail("data_param.batch_size must be positive");
    for (const Phase phase : layer_phases(layer))
      found.push_back({.name = layer.name(),
                       .phase = phase,
                       .source = resolve_beside(d.source(), prototxt),
                       .batch_size = int64_t(d.batch_size()),
                       .transform = transform_of(layer, prototxt, fail)});
  }
  return found;
}

}  // namespace svertka
