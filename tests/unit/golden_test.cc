// Golden end-to-end tests: the zoo's networks against the same networks written out in PyTorch.
//
// tools/golden.py draws parameters, an input batch and labels, runs one train-mode forward pass
// (GoogLeNet's auxiliary heads active, every dropout disabled) and one backward pass in float64,
// and stores them with the logits, the total loss and every parameter gradient rounded to float32
// (tests/golden/*.safetensors; full-size fixtures come from `make golden`). Here the same net is
// built from the zoo with every Dropout at ratio 0, loaded with those parameters and that input,
// and its logits, loss and gradients are compared.
//
// Error measure, per tensor: max_i |actual_i - expected_i| / max(max_i |expected_i|, 1e-30). One
// scale per tensor, because most elements of a ReLU net's gradients are near zero and an
// element-wise relative error would judge float32 rounding of cancelled sums, not the
// implementation. Tolerances (the issue): logits 1e-4, total loss 1e-4 (|a - b| / |b|), gradients
// 1e-3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "svertka/ops/dropout.h"
#include "svertka/io/safetensors.h"
#include "svertka/net.h"
#include "svertka/zoo.h"

namespace svertka::testing {
namespace {

constexpr double kLogitsTolerance = 1e-4;
constexpr double kLossTolerance = 1e-4;
constexpr double kGradientTolerance = 1e-3;

struct Comparison {
  double max_abs_error = 0, max_abs_expected = 0;
  int64_t worst_index = 0;
  double relative() const { return max_abs_error / std::max(max_abs_expected, 1e-30); }
};

Comparison compare(const Tensor& actual, const Tensor& expected) {
  Comparison c;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    const double e = expected[i], error = std::abs(double(actual[i]) - e);
    c.max_abs_expected = std::max(c.max_abs_expected, std::abs(e));
    // `!(error <= max)` also catches a NaN in actual.
    if (!(error <= c.max_abs_error)) c.max_abs_error = error, c.worst_index = i;
  }
  return c;
}

std::string golden_path(const std::string& file) {
  return std::string(SVERTKA_SOURCE_DIR) + "/tests/golden/" + file;
}

bool verbose() {
  return std::getenv("SVERTKA_GOLDEN_VERBOSE") != nullptr;
}

// The zoo's spec with every Dropout replaced by one of ratio 0, so both sides are deterministic.
NetSpec without_dropout(NetSpec spec) {
  for (LayerSpec& layer : spec.layers) {
    const auto* dropout = dynamic_cast<const DropoutOp*>(layer.op.get());
    if (!dropout) continue;
    DropoutParams params = dropout->params();
    params.ratio = 0;
    auto op = std::make_shared<DropoutOp>(params);
    op->set_name(dropout->name());
    layer.op = op;
  }
  return spec;
}

int64_t metadata_int(const SafetensorsContents& fixture, const std::string& key) {
  auto it = fixture.metadata.find(key);
  if (it == fixture.metadata.end()) throw IoError(fixture.path + ": metadata has no '" + key + "'");
  return std::stoll(it->second);
}

struct Figures {
  double logits = 0, loss = 0, worst_gradient = 0;
  std::string worst_gradient_name;
};

// Runs the fixture's model on `backend` and compares everything; failures name the tensor.
Figures expect_matches_pytorch(const std::string& path, Backend backend) {
  SCOPED_TRACE(path + " on " + std::string(backend_name(backend)));
  Figures figures;
  const SafetensorsContents fixture = load_safetensors(path);
  auto meta = fixture.metadata.find("model");
  if (meta == fixture.metadata.end()) {
    ADD_FAILURE() << path << ": metadata has no 'model'";
    return figures;
  }
  const std::string model = meta->second;
  ModelOptions options;
  options.num_classes = metadata_int(fixture, "classes");
  options.height = metadata_int(fixture, "height");
  options.width = metadata_int(fixture, "width");
  options.batch = metadata_int(fixture, "batch");
  options.width_divisor = metadata_int(fixture, "width_divisor");
  Net net(without_dropout(build_model(model, options)), NetOptions{Phase::kTrain, backend, {}});

  // The parameter sets must be the same, name by name and shape by shape.
  bool same_params = true;
  std::map<std::string, bool> in_net;
  for (const Parameter& p : net.params()) {
    in_net[p.name] = true;
    for (const std::string prefix : {"param/", "grad/"}) {
      if (!fixture.contains(prefix + p.name)) {
        ADD_FAILURE() << "C++ parameter '" << p.name << "' " << p.value.shape().str() << " has no '"
                      << prefix << p.name << "' in the fixture";
        same_params = false;
      } else if (fixture.at(prefix + p.name).shape() != p.value.shape()) {
        ADD_FAILURE() << "parameter '" << p.name << "': C++ shape " << p.value.shape().str()
                      << ", fixture " << prefix << " shape "
                      << fixture.at(prefix + p.name).shape().str();
        same_params = false;
      }
    }
  }
  for (const NamedTensor& t : fixture.tensors) {
    for (const std::string prefix : {"param/", "grad/"}) {
      if (t.name.rfind(prefix, 0) == 0 && !in_net.count(t.name.substr(prefix.size()))) {
        ADD_FAILURE() << "fixture tensor '" << t.name << "' " << t.tensor.shape().str()
                      << " has no parameter in the C++ " << model;
        same_params = false;
      }
    }
  }
  if (!same_params) return figures;

  for (Parameter& p : net.params()) p.value.copy_from(fixture.at("param/" + p.name));
  for (const std::string input : {"data", "label"}) {
    const Tensor& src = fixture.at("input/" + input);
    Tensor& dst = net.input(input);
    if (src.shape() != dst.shape()) {
      ADD_FAILURE() << "input '" << input << "': C++ shape " << dst.shape().str() << ", fixture "
                    << src.shape().str();
      return figures;
    }
    dst.copy_from(src);
  }

  const float loss = net.forward();
  const std::string logits_blob = model_info(model).logits;
  const Tensor& expected_logits = fixture.at("output/logits");
  const Tensor& logits = net.blob(logits_blob);
  if (logits.shape() != expected_logits.shape()) {
    ADD_FAILURE() << "logits '" << logits_blob << "': C++ shape " << logits.shape().str()
                  << ", fixture " << expected_logits.shape().str();
    return figures;
  }
  const Comparison lc = compare(logits, expected_logits);
  figures.logits = lc.relative();
  EXPECT_LE(figures.logits, kLogitsTolerance)
      << "logits '" << logits_blob << "': max abs error " << lc.max_abs_error << " at element "
      << lc.worst_index << " (C++ " << logits[lc.worst_index] << ", PyTorch "
      << expected_logits[lc.worst_index] << "), max |PyTorch| " << lc.max_abs_expected;
  const double expected_loss = fixture.at("output/loss")[0];
  figures.loss = std::abs(loss - expected_loss) / std::max(std::abs(expected_loss), 1e-30);
  EXPECT_LE(figures.loss, kLossTolerance)
      << "total loss: C++ " << loss << ", PyTorch " << expected_loss;

  net.backward();
  for (const Parameter& p : net.params()) {
    const Comparison gc = compare(p.grad, fixture.at("grad/" + p.name));
    const double relative = gc.relative();
    EXPECT_LE(relative, kGradientTolerance)
        << "gradient of '" << p.name << "': max abs error " << gc.max_abs_error << " at element "
        << gc.worst_index << " (C++ " << p.grad[gc.worst_index] << ", PyTorch "
        << fixture.at("grad/" + p.name)[gc.worst_index] << "), max |PyTorch| "
        << gc.max_abs_expected;
    if (!(relative <= figures.worst_gradient))
      figures.worst_gradient = relative, figures.worst_gradient_name = p.name;
    if (verbose())
      std::printf("[golden]   %-28s %-18s grad rel %.2e (max |grad| %.3e)\n", p.name.c_str(),
                  p.grad.shape().str().c_str(), relative, gc.max_abs_expected);
  }
  // tools/golden.py keeps ReLU inputs off 0 and redraws inputs with max-pool near-ties; the few it
  // may leave (full-size GoogLeNet) are where a float32 answer can legitimately differ.
  auto ties = fixture.metadata.find("pool_near_ties");
  std::printf(
      "[golden] %s on %s: logits rel %.2e, loss rel %.2e (C++ %.7f, PyTorch %.7f), "
      "worst gradient rel %.2e (%s), %zu parameters compared; fixture max-pool "
      "near-ties: %s\n",
      std::filesystem::path(path).filename().c_str(), std::string(backend_name(backend)).c_str(),
      figures.logits, figures.loss, loss, expected_loss, figures.worst_gradient,
      figures.worst_gradient_name.c_str(), net.params().size(),
      ties == fixture.metadata.end() ? "?" : ties->second.c_str());
  std::fflush(stdout);
  return figures;
}

TEST(Golden, AlexNetReducedMatchesPyTorch) {
  expect_matches_pytorch(golden_path("alexnet_reduced.safetensors"), Backend::kCpuDnnl);
}

TEST(Golden, AlexNetReducedReferenceBackendMatchesPyTorch) {
  expect_matches_pytorch(golden_path("alexnet_reduced.safetensors"), Backend::kCpuRef);
}

TEST(Golden, Vgg11ReducedMatchesPyTorch) {
  expect_matches_pytorch(golden_path("vgg11_reduced.safetensors"), Backend::kCpuDnnl);
}

TEST(Golden, GoogLeNetReducedWithAuxHeadsMatchesPyTorch) {
  expect_matches_pytorch(golden_path("googlenet_reduced.safetensors"), Backend::kCpuDnnl);
}

// Full-size AlexNet, VGG-16 and GoogLeNet: `make golden` (scripts/golden.sh) writes the fixtures,
// ~1.7 GB, outside the source tree and points SVERTKA_GOLDEN_DIR at them.
TEST(Golden, FullSizeMatchesPyTorch) {
  const char* dir = std::getenv("SVERTKA_GOLDEN_DIR");
  if (!dir || !*dir)
    GTEST_SKIP()
        << "SVERTKA_GOLDEN_DIR is not set: run `make golden` (scripts/golden.sh BUILD_DIR), "
           "which writes full-size fixtures with tools/golden.py --full and sets it";
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".safetensors") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  ASSERT_FALSE(paths.empty()) << "SVERTKA_GOLDEN_DIR=" << dir << " holds no *.safetensors";
  for (const std::string& path : paths) expect_matches_pytorch(path, Backend::kCpuDnnl);
}

}  // namespace
}  // namespace svertka::testing
