// svertka.Model's Python face: constructor arguments, methods and their docstrings.
#include <pybind11/stl.h>

#include "bindings.h"
#include "model.h"

namespace svertka::python {

void bind_model(py::module_& m) {
  using namespace pybind11::literals;
  py::class_<Model>(m, "Model", R"(A model with its weights, compiled for one phase (pycaffe's Net).

Model(name_or_file, weights=None, phase="test", threads=None, batch=1, classes=None, input=None,
      seed=1)

name_or_file  a zoo name ("alexnet", "vgg16", "googlenet", "lenet", "alexnet_small", ...), a Caffe
              .prototxt or an .onnx file
weights       a .caffemodel (blobs by layer name) or .safetensors (weights or a training
              checkpoint); None: those the model file holds (ONNX), else every parameter drawn
              from its filler with `seed` (as training starts)
phase         "test" or "train" (GoogLeNet's auxiliary heads, dropout active)
threads       OpenMP threads for the whole process (omp_set_num_threads); None: unchanged
batch         the net's first batch size; forward() recompiles for another N, keeping the weights
classes       classes of a zoo model's classifier (default 1000)
input         (C, H, W) of a zoo model (default: its native size, or the channels its weights have)

Loading is svertka's load_model/make_net, as `svertka predict`, `eval` and `extract` load.
Errors are svertka.Error subclasses carrying svertka's message.)")
      .def(py::init([](const std::string& name_or_file, const std::optional<std::string>& weights,
                       const std::string& phase, std::optional<int> threads, int64_t batch,
                       std::optional<int64_t> classes, std::optional<std::vector<int64_t>> input,
                       uint64_t seed) {
             ModelArgs args{.name_or_file = name_or_file,
                            .weights = weights.value_or(""),
                            .phase = phase,
                            .threads = threads,
                            .batch = batch,
                            .classes = classes,
                            .input = std::move(input),
                            .seed = seed};
             py::gil_scoped_release release;
             return std::make_unique<Model>(args);
           }),
           "name_or_file"_a, "weights"_a = py::none(), "phase"_a = "test", "threads"_a = py::none(),
           "batch"_a = 1, "classes"_a = py::none(), "input"_a = py::none(), "seed"_a = 1)
      .def("forward", &Model::forward, "x"_a,
           R"(Runs the net on x, a float32 numpy array (N, C, H, W) already preprocessed (mean
subtracted, channels in the model's order), and returns the logits (N, classes) as a new array.
The GIL is released while the net runs. ParamError for another dtype, ShapeError for another
shape; a new N recompiles the net for it (the parameters stay the same buffers).)")
      .def("_blob", &Model::blob, "name"_a)
      .def("_blob_is_view", &Model::blob_is_view, "name"_a)
      .def("_blob_names", &Model::blob_names)
      .def("_param", &Model::param, "name"_a)
      .def("set_param", &Model::set_param, "name"_a, "value"_a,
           R"(Copies a float32 array of the parameter's shape into parameter `name`.)")
      .def("_param_names", &Model::param_names)
      .def("predict", &Model::predict, "paths_or_arrays"_a, "crops"_a = "center", "top"_a = 5,
           "scales"_a = std::vector<int64_t>{},
           R"(The top classes of each image, as `svertka predict` computes them.

paths_or_arrays  image files (a path or a list of paths: decoded, shorter side resized to 256,
                 cropped to the model's input, ImageNet's channel mean subtracted), or arrays
                 in the net's input space already ((N,C,H,W) float32, or a list of (C,H,W)), of
                 the net's input size or larger: views are cut from them as from resized files
crops            "center", "10" (AlexNet's 10 views), "dense" (the whole image and its mirror
                 through the fully convolutional net) or "144" (GoogLeNet's: 4 scales x 3
                 squares x 6 crops x 2 mirrors)
top              how many classes per image, 1 to 5
scales           shorter sides S for multi-scale views, e.g. [256, 288, 320, 352]; arrays are
                 resized to them (bilinear); none: files at 256, arrays as they are

Returns one list per image of (class, probability) tuples, best first: the softmax averaged over
the views. The GIL is released while the net runs.)")
      .def("extract", &Model::extract, "blob"_a, "data"_a,
           R"(The activations of `blob` (e.g. "fc7") for every sample of `data`.

data  arrays that are the net's input ((N,C,H,W) float32): returns (N, ...) in the blob's shape;
      or image files (a path or a list of paths, preprocessed as predict's centre view): returns
      (N, D), the activations flattened, through the library's extract_features (what
      `svertka extract` runs).
A new array is returned either way. NotFoundError for a blob the model does not have.)")
      .def("summary", &Model::summary,
           "The layers, output shapes, parameters and multiply-adds, as `svertka summary` prints.")
      .def("save", &Model::save, "path"_a, "format"_a = "",
           R"(Writes the model with its current parameters, as `svertka convert` writes it:
.safetensors (weights), .prototxt (+ a .caffemodel beside it: Caffe) or .onnx; `format`
("safetensors", "caffe", "onnx") overrides the extension. Returns the files written.)")
      .def_property_readonly("name", &Model::name, "The zoo name or model file it was made from.")
      .def_property_readonly("logits", &Model::logits, "The name of the blob of class scores.")
      .def_property_readonly("batch", &Model::batch, "The batch size the net is compiled for.")
      .def_property_readonly(
          "input_shape", [](const Model& model) { return model.input_shape().dims(); },
          "(N, C, H, W) of the net's data input.")
      .def("__repr__", &Model::repr);
}

}  // namespace svertka::python
