#include "model.h"

#include <omp.h>
#include <pybind11/stl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <set>

#include "arrays.h"
#include "bindings.h"
#include "model_files.h"
#include "predict.h"
#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/eval/tensor_views.h"
#include "svertka/transfer/extract.h"

namespace svertka::python {
namespace {

// Every blob of `spec` active in `phase`: kept readable after forward (pycaffe's net.blobs).
std::vector<std::string> all_blobs(const NetSpec& spec, Phase phase) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  const auto add = [&](const std::string& name) {
    if (seen.insert(name).second) names.push_back(name);
  };
  for (const InputSpec& input : spec.inputs) add(input.name);
  for (const LayerSpec& layer : spec.layers)
    if (!layer.only_in || *layer.only_in == phase)
      for (const std::string& top : layer.tops) add(top);
  return names;
}

Phase parse_phase(const std::string& phase) {
  if (phase == "test") return Phase::kTest;
  if (phase == "train") return Phase::kTrain;
  throw ParamError("phase expects 'test' or 'train', got '" + phase + "'");
}

// A str, or a list or tuple of str: the paths; else nullopt.
std::optional<std::vector<std::string>> paths_of(const py::handle& value) {
  if (py::isinstance<py::str>(value)) return std::vector<std::string>{value.cast<std::string>()};
  if (!py::isinstance<py::list>(value) && !py::isinstance<py::tuple>(value)) return std::nullopt;
  const auto items = py::reinterpret_borrow<py::sequence>(value);
  if (items.size() == 0 || !py::isinstance<py::str>(items[0])) return std::nullopt;
  std::vector<std::string> paths;
  for (const py::handle item : items) {
    if (!py::isinstance<py::str>(item))
      throw ParamError("a list of image paths must hold only str, got " +
                       std::string(py::str(py::type::of(item).attr("__name__"))));
    paths.push_back(item.cast<std::string>());
  }
  return paths;
}

// Arrays (N,C,H,W), or a list of (C,H,W) arrays stacked into one.
py::array_t<float, py::array::c_style> batch_of(const py::handle& value, const std::string& what) {
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    const auto items = py::reinterpret_borrow<py::sequence>(value);
    if (items.size() == 0) throw ParamError(what + " is empty");
    for (const py::handle item : items) float_array(item, what + "'s items", 3);
    return float_array(py::module_::import("numpy").attr("stack")(items), what, 4);
  }
  return float_array(value, what, 4);
}

// A file name for a temporary feature file, unique within this machine.
std::filesystem::path temporary_path(const std::string& extension) {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() / ("svertka-python-" + std::to_string(getpid()) +
                                                   "-" + std::to_string(counter++) + extension);
}

py::list prediction_list(const EvaluationResult& result, int64_t top) {
  py::list all;
  for (const Prediction& p : result.predictions) {
    py::list one;
    for (size_t r = 0; r < p.classes.size() && int64_t(r) < top; ++r)
      one.append(py::make_tuple(p.classes[r], p.probabilities[r]));
    all.append(one);
  }
  return all;
}

}  // namespace

Model::Model(const ModelArgs& args) : args_(args), phase_(parse_phase(args.phase)) {
  if (args.threads) {
    if (*args.threads < 1)
      throw ParamError("threads must be positive, got " + std::to_string(*args.threads));
    omp_set_num_threads(*args.threads);
  }
  if (args.batch < 1) throw ParamError("batch must be positive, got " + std::to_string(args.batch));
  const ModelInput input = model_input(args.name_or_file, args.weights, phase_);
  options_.num_classes = args.classes.value_or(1000);
  options_.channels = input.channels;
  options_.height = options_.width = input.crop;
  options_.batch = args.batch;
  if (args.input) {
    const std::vector<int64_t>& chw = *args.input;
    if (chw.size() != 3 || chw[0] <= 0 || chw[1] <= 0 || chw[2] <= 0)
      throw ParamError("input expects (C, H, W) with positive sizes");
    options_.channels = chw[0], options_.height = chw[1], options_.width = chw[2];
  }
  model_ = load_model(args.name_or_file, args.weights, {.model = options_, .phase = phase_});
  source_spec_ = import_model(args.name_or_file, options_, phase_).spec;
  net_ = make_net(model_, {.phase = phase_, .keep_blobs = all_blobs(model_.spec, phase_)});
  // Without weights, the parameters start from their fillers, as training would start them.
  if (model_.weights.empty()) net_->init_params(args.seed);
}

Shape Model::input_shape() const {
  for (const InputSpec& input : model_.spec.inputs)
    if (input.name == kDataBlob) return input.shape;
  throw NotFoundError("model '" + name() + "' has no input '" + kDataBlob + "'");
}

int64_t Model::num_classes() const {
  const Tensor& scores = net_->blob(model_.logits);
  return scores.numel() / scores.dim(0);
}

void Model::rebuild(int64_t batch) {
  if (batch == this->batch()) return;
  NetSpec spec = model_.spec;
  for (InputSpec& input : spec.inputs) input.shape[0] = batch;
  auto net = std::make_unique<Net>(
      spec, NetOptions{.phase = phase_, .keep_blobs = all_blobs(spec, phase_)});
  net->share_params_from(*net_);  // the same buffers: views handed out stay the weights
  model_.spec = std::move(spec);
  net_ = std::move(net);
}

void Model::run_forward(const float* images, int64_t n) {
  Tensor& data = net_->input(kDataBlob);
  const int64_t sample = data.numel() / data.dim(0);
  std::memcpy(data.data(), images, size_t(n * sample) * sizeof(float));
  net_->forward();
}

py::array Model::forward(const py::handle& x) {
  const auto images = float_array(x, "Model.forward: x", 4);
  const Shape want = input_shape();
  for (int axis = 1; axis < 4; ++axis)
    if (images.shape(axis) != want[axis])
      throw ShapeError(
          "Model.forward: x has shape " +
          Shape{images.shape(0), images.shape(1), images.shape(2), images.shape(3)}.str() +
          ", model '" + name() + "' takes (N," + std::to_string(want[1]) + "," +
          std::to_string(want[2]) + "," + std::to_string(want[3]) + ")");
  if (images.shape(0) == 0) throw ShapeError("Model.forward: x holds no images (N = 0)");
  {
    py::gil_scoped_release release;
    rebuild(images.shape(0));
    run_forward(images.data(), images.shape(0));
  }
  return copy_of(net_->blob(model_.logits));
}

py::array Model::blob(const std::string& name) const {
  if (!net_->has_blob(name))
    throw NotFoundError("model '" + this->name() + "' has no blob '" + name + "'");
  const Tensor& tensor = net_->blob(name);
  return blob_is_view(name) ? view_of(tensor) : copy_of(tensor);
}

bool Model::blob_is_view(const std::string& name) const {
  return net_->blob_layout(name) == BlobLayout::kPlain && net_->blob(name).on_host();
}

std::vector<std::string> Model::blob_names() const {
  return all_blobs(model_.spec, phase_);
}

py::array Model::param(const std::string& name) {
  return view_of(net_->param(name).value);
}

void Model::set_param(const std::string& name, const py::handle& value) {
  Parameter& p = net_->param(name);
  const auto array = float_array(value, "Model.set_param: value for '" + name + "'");
  const Shape shape(std::vector<int64_t>(array.shape(), array.shape() + array.ndim()));
  if (shape != p.value.shape())
    throw ShapeError("Model.set_param: '" + name + "' has shape " + p.value.shape().str() +
                     ", the value " + shape.str());
  Tensor host(shape);
  std::memcpy(host.data(), array.data(), host.bytes());
  p.value.copy_from(host);
}

std::vector<std::string> Model::param_names() const {
  std::vector<std::string> names;
  for (const Parameter& p : net_->params()) names.push_back(p.name);
  return names;
}

py::list Model::predict(const py::handle& paths_or_arrays, const std::string& crops, int64_t top,
                        const std::vector<int64_t>& scales) {
  if (top < 1 || top > 5)
    throw ParamError("predict: top must be 1 to 5, got " + std::to_string(top));
  if (const auto paths = paths_of(paths_or_arrays))
    return predict_files(*paths, crops, top, scales);
  return predict_arrays(paths_or_arrays, crops, top, scales);
}

py::list Model::predict_arrays(const py::handle& arrays, const std::string& crops, int64_t top,
                               const std::vector<int64_t>& scales) {
  const auto images = batch_of(arrays, "predict: the arrays");
  const Shape want = input_shape();
  const Shape samples{images.shape(0), images.shape(1), images.shape(2), images.shape(3)};
  if (samples[1] != want[1])
    throw ShapeError("predict: arrays of " + samples.str() + ", model '" + name() + "' takes " +
                     std::to_string(want[1]) + " channels");
  EvaluationResult result;
  {
    py::gil_scoped_release release;
    const TensorViewSource views(images.data(), samples, Shape{want[1], want[2], want[3]},
                                 num_classes());
    result = cli::predict_views({name(), model_.spec, net_.get(), model_.logits}, views, crops,
                                scales, std::min(samples[2], samples[3]));
  }
  return prediction_list(result, top);
}

py::list Model::predict_files(const std::vector<std::string>& paths, const std::string& crops,
                              int64_t top, const std::vector<int64_t>& scales) {
  const Shape in = input_shape();
  EvaluationResult result;
  {
    py::gil_scoped_release release;
    const ImageBatchSource source =
        cli::predict_source(paths, num_classes(), {}, "channel", {.channels = in[1], .crop = in[2]},
                            cli::model_preprocessing(args_.name_or_file, args_.weights), "svertka");
    result = cli::predict_images({name(), model_.spec, net_.get(), model_.logits}, source, crops,
                                 scales);
  }
  return prediction_list(result, top);
}

py::array Model::extract(const std::string& blob, const py::handle& data) {
  if (!net_->has_blob(blob))
    throw NotFoundError("model '" + name() + "' has no blob '" + blob + "'");
  if (const auto paths = paths_of(data)) return extract_files(blob, *paths);
  const auto images = float_array(data, "Model.extract: data", 4);
  const Shape want = input_shape();
  for (int axis = 1; axis < 4; ++axis)
    if (images.shape(axis) != want[axis])
      throw ShapeError("Model.extract: data of " +
                       Shape{images.shape(1), images.shape(2), images.shape(3)}.str() +
                       " per image, model '" + name() + "' takes " +
                       Shape{want[1], want[2], want[3]}.str());
  const int64_t n = images.shape(0), b = batch();
  std::vector<int64_t> dims = net_->blob(blob).shape().dims();
  const int64_t row = net_->blob(blob).numel() / dims[0];
  dims[0] = n;
  py::array_t<float> out(dims);
  float* dst = out.mutable_data();
  const int64_t sample = want.numel_from(1);
  py::gil_scoped_release release;
  for (int64_t start = 0; start < n; start += b) {
    const int64_t count = std::min(b, n - start);
    run_forward(images.data() + start * sample, count);
    const Tensor host = net_->blob(blob).to_host();
    std::memcpy(dst + start * row, host.data(), size_t(count * row) * sizeof(float));
  }
  return out;
}

// Through the library's extraction (what `svertka extract` runs) into a temporary feature file.
py::array Model::extract_files(const std::string& blob, const std::vector<std::string>& paths) {
  const Shape in = input_shape();
  const std::filesystem::path file = temporary_path(".npy");
  FeatureSet features;
  {
    py::gil_scoped_release release;
    const ImageBatchSource source =
        cli::predict_source(paths, num_classes(), {}, "channel", {.channels = in[1], .crop = in[2]},
                            cli::model_preprocessing(args_.name_or_file, args_.weights), "svertka");
    const Tensor& activations = net_->blob(blob);
    try {
      FeatureWriter out(file.string(), source.size(), activations.numel() / activations.dim(0),
                        {{"model", name()}, {"layer", blob}});
      extract_features(*net_, source, blob, out);
      out.finish();
      features = load_features(file.string());
    } catch (...) {
      std::filesystem::remove(file);
      std::filesystem::remove(npy_labels_path(file.string()));
      throw;
    }
    std::filesystem::remove(file);
    std::filesystem::remove(npy_labels_path(file.string()));
  }
  return copy_of(features.features);
}

std::string Model::summary() const {
  return cli::summary_table(describe_layers(source_spec_, phase_));
}

std::vector<std::string> Model::save(const std::string& path, const std::string& format) const {
  std::vector<NamedTensor> weights;
  for (const Parameter& p : net_->params()) weights.push_back({p.name, p.value.to_host()});
  return cli::save_model(source_spec_, weights, path, cli::model_format(path, format), name(),
                         cli::model_preprocessing(args_.name_or_file, args_.weights).base);
}

std::string Model::repr() const {
  return "svertka.Model('" + name() + "', input " + input_shape().str() + ", " +
         std::to_string(num_classes()) + " classes, " + std::to_string(net_->param_count()) +
         " parameters, phase " + args_.phase + ")";
}

}  // namespace svertka::python
