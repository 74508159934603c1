// The registry sweep (after ggml's test-backend-ops): every registered op has reference kernels
// in float and double, a Caffe, ONNX and shape-catalog mapping or an explicit "no equivalent", and
// samples; every sample passes the gradient check in both phases, agrees between the reference
// and every other backend that has a kernel for it, and survives the round trip through each
// format it maps to. A new op is swept by being registered: nothing here names op types.
#include "core/op_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "io/format_registry.h"
#include "op_test_helpers.h"
#include "svertka/io/caffe.h"
#include "svertka/io/onnx.h"
#include "svertka/net.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("svertka_registry_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

template <class Mapping>
void expect_mapping_or_reason(const MappingOrNone<Mapping>& field, const std::string& what) {
  if (const auto* none = std::get_if<NoEquivalent>(&field)) {
    EXPECT_FALSE(none->reason.empty()) << what << ": a NoEquivalent needs its reason";
  }
}

TEST(OpRegistry, EveryOpHasReferenceKernelsMappingsAndSamples) {
  ASSERT_FALSE(op_entries().empty());
  std::set<std::string_view> types, caffe_types, onnx_types, catalog_kinds;
  for (const OpEntry* entry : op_entries()) {
    SCOPED_TRACE(std::string(entry->type));
    EXPECT_TRUE(types.insert(entry->type).second) << "registered twice";
    EXPECT_TRUE(KernelRegistry::instance().has(entry->type, Backend::kCpuRef))
        << "no float reference kernel";
    EXPECT_TRUE(KernelRegistry::instance().has_reference_double(entry->type))
        << "no double reference kernel (the gradient check runs in double)";
    expect_mapping_or_reason(entry->catalog, "catalog");
    const FormatEntry* formats = find_format_entry(entry->type);
    ASSERT_NE(formats, nullptr) << "no format entry (src/ops/<op>_formats.cc)";
    expect_mapping_or_reason(formats->caffe, "caffe");
    expect_mapping_or_reason(formats->onnx, "onnx");
    if (const CaffeMapping* caffe = mapping(formats->caffe)) {
      EXPECT_TRUE(caffe->read && caffe->write && !caffe->layer_type.empty());
      EXPECT_TRUE(caffe_types.insert(caffe->layer_type).second) << caffe->layer_type << " twice";
      if (const auto* none = std::get_if<NoEquivalent>(&caffe->v1_type)) {
        EXPECT_FALSE(none->reason.empty()) << "V1: a NoEquivalent needs its reason";
      } else {
        EXPECT_FALSE(std::get<std::string_view>(caffe->v1_type).empty());
      }
    }
    if (const OnnxMapping* onnx = mapping(formats->onnx)) {
      EXPECT_TRUE(onnx->read && onnx->write && !onnx->node_types.empty());
      for (std::string_view type : onnx->node_types)
        EXPECT_TRUE(onnx_types.insert(type).second) << type << " read by two ops";
    }
    if (const CatalogMapping* catalog = mapping(entry->catalog)) {
      EXPECT_TRUE(catalog->read && catalog->write && !catalog->kinds.empty());
      for (std::string_view kind : catalog->kinds)
        EXPECT_TRUE(catalog_kinds.insert(kind).second) << kind << " read by two ops";
    }
    ASSERT_TRUE(entry->samples) << "no samples";
    const std::vector<OpSample> samples = entry->samples();
    EXPECT_FALSE(samples.empty()) << "no samples";
    for (const OpSample& sample : samples) EXPECT_EQ(sample.op->type(), entry->type);
  }
  for (const FormatEntry* formats : format_entries())
    EXPECT_NE(find_op_entry(formats->type), nullptr)
        << "format entry for " << formats->type << ", which is no registered op";
}

template <class T>
std::vector<BasicTensor<T>> sample_inputs(const OpSample& sample, uint64_t seed) {
  std::vector<BasicTensor<T>> inputs;
  for (size_t i = 0; i < sample.inputs.size(); ++i) {
    BasicTensor<T> t = random_tensor<T>(sample.inputs[i], seed + i);
    if (const auto it = sample.fixed_inputs.find(int(i)); it != sample.fixed_inputs.end())
      for (int64_t k = 0; k < t.numel(); ++k) t[k] = static_cast<T>(it->second.at(size_t(k)));
    inputs.push_back(std::move(t));
  }
  return inputs;
}

// Runs `check(entry, sample, index)` for every sample of every entry.
template <class Check>
void for_each_sample(Check check) {
  for (const OpEntry* entry : op_entries()) {
    const std::vector<OpSample> samples = entry->samples();
    for (size_t k = 0; k < samples.size(); ++k) {
      SCOPED_TRACE(std::string(entry->type) + " sample " + std::to_string(k));
      check(*entry, samples[k], k);
    }
  }
}

TEST(OpRegistry, EverySamplePassesTheGradientCheck) {
  for_each_sample([](const OpEntry&, const OpSample& sample, size_t k) {
    if (!sample.op->has_backward()) return;
    for (Phase phase : {Phase::kTrain, Phase::kTest}) {
      SCOPED_TRACE(phase == Phase::kTrain ? "TRAIN" : "TEST");
      GradientCheckOptions options;
      options.phase = phase;
      expect_gradients_ok(*sample.op, sample_inputs<double>(sample, 10 * k + 1), 100 + k, options);
    }
  });
}

TEST(OpRegistry, EverySampleAgreesBetweenBackends) {
  for_each_sample([](const OpEntry& entry, const OpSample& sample, size_t k) {
    if (!KernelRegistry::instance().has(entry.type, Backend::kCpuDnnl)) return;
    for (Phase phase : {Phase::kTrain, Phase::kTest}) {
      SCOPED_TRACE(phase == Phase::kTrain ? "TRAIN" : "TEST");
      BackendCompareOptions options;
      options.phase = phase;
      options.backward = phase == Phase::kTrain;  // nets run backward in TRAIN only
      const std::vector<Tensor> inputs = sample_inputs<float>(sample, 0);
      for (const auto& [index, values] : sample.fixed_inputs)
        options.fixed_inputs.push_back({index, inputs[size_t(index)]});
      expect_backends_agree(*sample.op, sample.inputs, 200 + k, options);
    }
  });
}

// The sample as a one-layer net: inputs in0, in1, ..., outputs out0, ...
NetSpec sample_net(const OpSample& sample) {
  NetSpec spec;
  spec.name = "sample";
  LayerSpec layer;
  layer.name = "layer";
  layer.op = sample.op;
  for (size_t i = 0; i < sample.inputs.size(); ++i) {
    spec.inputs.push_back({"in" + std::to_string(i), sample.inputs[i]});
    layer.bottoms.push_back(spec.inputs.back().name);
  }
  for (size_t i = 0; i < sample.op->output_shapes(sample.inputs).size(); ++i)
    layer.tops.push_back("out" + std::to_string(i));
  spec.layers.push_back(std::move(layer));
  return spec;
}

// Random values for the layer's parameters, in its parameter order.
std::vector<NamedTensor> sample_weights(const OpSample& sample, uint64_t seed) {
  std::vector<NamedTensor> weights;
  const std::vector<std::string> names = sample.op->param_names();
  const std::vector<Shape> shapes = sample.op->param_shapes(sample.inputs);
  for (size_t i = 0; i < shapes.size(); ++i)  // state (a running variance) is positive
    weights.push_back(
        {"layer." + names.at(i), sample.op->param_is_state(i)
                                     ? random_tensor<float>(shapes[i], ++seed, 0.5, 1.5)
                                     : random_tensor<float>(shapes[i], ++seed)});
  return weights;
}

// The outputs of a TEST-phase forward on the reference backend.
std::vector<Tensor> run(const NetSpec& spec, const std::vector<NamedTensor>& weights,
                        const OpSample& sample) {
  std::vector<std::string> outputs = spec.layers.back().tops;
  Net net(spec, {.phase = Phase::kTest, .backend = Backend::kCpuRef, .keep_blobs = outputs});
  for (Parameter& p : net.params())
    for (const NamedTensor& w : weights)
      if (w.name == p.name) p.value.copy_from(w.tensor);
  const std::vector<Tensor> inputs = sample_inputs<float>(sample, 5);
  for (size_t i = 0; i < inputs.size(); ++i) net.input(spec.inputs[i].name).copy_from(inputs[i]);
  net.forward();
  std::vector<Tensor> values;
  for (const std::string& name : outputs) values.push_back(net.blob(name).clone());
  return values;
}

// The format may add parameters it implies (ONNX's unit scale for a BatchNorm without one); every
// original one must come back bitwise, and the outputs too.
void expect_same_net(const NetSpec& back, const std::vector<NamedTensor>& back_weights,
                     const NetSpec& spec, const std::vector<NamedTensor>& weights,
                     const OpSample& sample) {
  ASSERT_EQ(back.layers.size(), 1u);
  EXPECT_EQ(back.layers[0].op->type(), sample.op->type());
  for (const NamedTensor& w : weights) {
    const auto it = std::find_if(back_weights.begin(), back_weights.end(),
                                 [&](const NamedTensor& b) { return b.name == w.name; });
    ASSERT_NE(it, back_weights.end()) << w.name << " did not come back";
    ASSERT_EQ(it->tensor.shape(), w.tensor.shape()) << w.name;
    EXPECT_EQ(std::memcmp(it->tensor.data(), w.tensor.data(), w.tensor.bytes()), 0) << w.name;
  }
  const std::vector<Tensor> a = run(spec, weights, sample), b = run(back, back_weights, sample);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].shape(), b[i].shape());
    EXPECT_EQ(std::memcmp(a[i].data(), b[i].data(), a[i].bytes()), 0) << "output " << i;
  }
}

TEST(OpRegistry, EveryCaffeMappingRoundTrips) {
  for_each_sample([](const OpEntry& entry, const OpSample& sample, size_t k) {
    if (!mapping(find_format_entry(entry.type)->caffe)) return;
    const NetSpec spec = sample_net(sample);
    const std::vector<NamedTensor> weights = sample_weights(sample, 300 + k);
    const std::string proto = temp_path("sample.prototxt");
    const std::string caffemodel = temp_path("sample.caffemodel");
    save_caffe(spec, weights, proto, caffemodel);
    const ImportedModel back = load_caffe_net(proto);
    expect_same_net(back.spec, load_caffemodel(caffemodel, back.spec), spec, weights, sample);
  });
}

TEST(OpRegistry, EveryOnnxMappingRoundTrips) {
  for_each_sample([](const OpEntry& entry, const OpSample& sample, size_t k) {
    if (!mapping(find_format_entry(entry.type)->onnx)) return;
    const NetSpec spec = sample_net(sample);
    const std::vector<NamedTensor> weights = sample_weights(sample, 400 + k);
    const std::string path = temp_path("sample.onnx");
    save_onnx(spec, weights, path);
    const ImportedModel back = load_onnx(path);
    expect_same_net(back.spec, back.weights, spec, weights, sample);
  });
}

TEST(OpRegistry, EveryCatalogRowIsReadAndWrittenBackByItsOp) {
  for (const CatalogEntry& row : shape_catalog()) {
    SCOPED_TRACE(row.line);
    const CatalogMapping* catalog = catalog_mapping(row.kind);
    ASSERT_NE(catalog, nullptr) << "no op reads the kind '" << row.kind << "'";
    const CatalogRow written = catalog->write(*row.make_op());
    EXPECT_EQ(written.kind, row.kind);
    EXPECT_EQ(written.values, row.params) << "a key the reader ignores, or a default it changes";
  }
}

}  // namespace
}  // namespace svertka::testing
