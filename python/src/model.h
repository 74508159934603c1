// svertka.Model: a model by name or file with its weights, as a compiled net that Python feeds
// numpy arrays (pycaffe's Net). Loading is the library's (load_model, make_net), predictions and
// summaries the CLI's own functions (apps/svertka/predict.h, model_files.h).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "svertka/io/model_loading.h"

namespace svertka::python {

namespace py = pybind11;

struct ModelArgs {
  std::string name_or_file, weights;
  std::string phase = "test";
  std::optional<int> threads;
  int64_t batch = 1;
  std::optional<int64_t> classes;
  std::optional<std::vector<int64_t>> input;  // (C, H, W)
  uint64_t seed = 1;
};

class Model {
 public:
  explicit Model(const ModelArgs& args);  // with the GIL released by the caller

  // Input (N,C,H,W) float32 -> the logits (N, classes).
  py::array forward(const py::handle& x);
  // The blob `name` after the last forward: a view of the net's buffer when it keeps the blob
  // plain, else a copy (oneDNN's channel-blocked layout).
  py::array blob(const std::string& name) const;
  bool blob_is_view(const std::string& name) const;
  std::vector<std::string> blob_names() const;
  // A parameter: a view of its buffer (weights stay plain and in host memory on the CPU).
  py::array param(const std::string& name);
  void set_param(const std::string& name, const py::handle& value);
  std::vector<std::string> param_names() const;
  // Files (paths) or arrays (N,C,H,W) -> top `top` (class, probability) per image.
  py::list predict(const py::handle& paths_or_arrays, const std::string& crops, int64_t top,
                   const std::vector<int64_t>& scales);
  // Activations of `blob` for `data`: arrays (N,C,H,W) -> (N, ...); files -> (N, D).
  py::array extract(const std::string& blob, const py::handle& data);
  std::string summary() const;
  std::vector<std::string> save(const std::string& path, const std::string& format) const;

  const std::string& name() const { return args_.name_or_file; }
  const std::string& logits() const { return model_.logits; }
  int64_t batch() const { return input_shape()[0]; }
  Shape input_shape() const;
  std::string repr() const;

 private:
  void rebuild(int64_t batch);  // the same net (and parameter buffers) for another batch
  void run_forward(const float* images, int64_t n);  // n <= batch(); the rest left as it was
  int64_t num_classes() const;
  py::list predict_arrays(const py::handle& arrays, const std::string& crops, int64_t top,
                          const std::vector<int64_t>& scales);
  py::list predict_files(const std::vector<std::string>& paths, const std::string& crops,
                         int64_t top, const std::vector<int64_t>& scales);
  py::array extract_files(const std::string& blob, const std::vector<std::string>& paths);

  ModelArgs args_;
  ModelOptions options_;
  Phase phase_;
  ImportedModel model_;  // spec adapted to the data; weights as loaded
  NetSpec source_spec_;  // as the source defines it (summary, save), as the CLI shows and converts
  std::unique_ptr<Net> net_;
};

}  // namespace svertka::python
