// svertka bench --model NAME --batch N [--train] [--iters N] [--warmup W] [--threads T]
//               [--input CxHxW] [--classes K] [--json FILE] [--precision fp32|bf16] [--int8]
// Like `caffe time`: random data through a zoo model on oneDNN, one row per layer with the median
// forward and backward milliseconds, then whole-iteration medians (timed on their own, not summed
// from the rows), images/s, effective GFLOP/s, activation memory and the process's peak RSS.
// --int8 times the model quantized as `svertka quantize` does (io/int8_model.h), its activation
// scales calibrated on one random image: inference with oneDNN's int8 kernels.
#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "commands.h"
#include "device_option.h"
#include "model_options.h"
#include "option_checks.h"
#include "svertka/backends/cpu_dnnl.h"
#include "svertka/build_info.h"
#include "svertka/builder.h"
#include "svertka/error.h"
#include "svertka/eval/eval_batch.h"
#include "svertka/io/int8_model.h"
#include "svertka/io/model_loading.h"
#include "svertka/net.h"
#include "svertka/solver/sgd.h"
#include "svertka/zoo.h"

namespace svertka::cli {
namespace {

struct BenchArgs {
  std::string model;
  int64_t batch = 0;
  bool train = false;
  int iters = 10;
  int warmup = 2;
  int threads = 0;    // 0: OpenMP's default
  std::string input;  // CxHxW
  int64_t classes = 1000;
  std::string json;
  std::string conv_algorithm = "auto";
  std::string device;
  Precision precision = Precision::kF32;
  bool int8 = false;
};

// Medians over the timed iterations, in milliseconds.
struct LayerTiming {
  std::string name, type;
  bool runs_backward = false;
  double forward_ms = 0, backward_ms = 0;
};

struct BenchResult {
  std::vector<LayerTiming> layers;
  double forward_ms = 0, backward_ms = 0, update_ms = 0, iteration_ms = 0;
};

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + upper) / 2;
}

ModelOptions model_options(const BenchArgs& args) {
  ModelOptions o;
  o.num_classes = args.classes;
  o.batch = args.batch;
  apply_input_size(args.input, o);
  return o;
}

// Standard-normal pixels and uniform labels in [0, classes), from a fixed seed.
void fill_inputs(Net& net, int64_t classes) {
  std::mt19937_64 rng(42);
  std::normal_distribution<float> pixel;
  Tensor& data = net.input(kDataBlob);
  for (int64_t i = 0; i < data.numel(); ++i) data[i] = pixel(rng);
  std::uniform_int_distribution<int64_t> label(0, classes - 1);
  Tensor& labels = net.input(kLabelBlob);
  for (int64_t i = 0; i < labels.numel(); ++i) labels[i] = static_cast<float>(label(rng));
}

BenchResult time_net(Net& net, const BenchArgs& args) {
  const int n = net.num_layers();
  std::unique_ptr<SgdSolver> solver;
  if (args.train) solver = std::make_unique<SgdSolver>(net.params(), SgdOptions{}, net.device());
  std::vector<std::vector<double>> forward(static_cast<size_t>(n)),
      backward(static_cast<size_t>(n));
  std::vector<double> forward_total, backward_total, update_total, iteration_total;
  for (int iter = 0; iter < args.warmup + args.iters; ++iter) {
    const bool timed = iter >= args.warmup;
    net.set_step(static_cast<uint64_t>(iter));
    const auto iteration_start = Clock::now();
    for (int i = 0; i < n; ++i) {
      const auto start = Clock::now();
      net.forward_layer(i);
      net.device().synchronize();  // a GPU's layer has only been queued
      if (timed) forward[static_cast<size_t>(i)].push_back(ms_since(start));
    }
    if (timed) forward_total.push_back(ms_since(iteration_start));
    if (args.train) {
      const auto backward_start = Clock::now();
      net.begin_backward();
      for (int i = n; i-- > 0;) {
        if (!net.layer_runs_backward(i)) continue;
        const auto start = Clock::now();
        net.backward_layer(i);
        net.device().synchronize();
        if (timed) backward[static_cast<size_t>(i)].push_back(ms_since(start));
      }
      if (timed) backward_total.push_back(ms_since(backward_start));
      const auto update_start = Clock::now();
      // A small rate: random labels must not drive the weights to overflow over many iterations.
      solver->step(1e-4);
      net.device().synchronize();
      if (timed) update_total.push_back(ms_since(update_start));
    }
    if (timed) iteration_total.push_back(ms_since(iteration_start));
  }

  BenchResult result;
  for (int i = 0; i < n; ++i) {
    const LayerInfo& info = net.layer_infos()[static_cast<size_t>(i)];
    result.layers.push_back({info.name, info.type, args.train && net.layer_runs_backward(i),
                             median(forward[static_cast<size_t>(i)]),
                             median(backward[static_cast<size_t>(i)])});
  }
  result.forward_ms = median(forward_total);
  result.backward_ms = median(backward_total);
  result.update_ms = median(update_total);
  result.iteration_ms = median(iteration_total);
  return result;
}

int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

double mib(int64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

// The net of `spec` with its initialised weights quantized to int8, the activation scales from a
// forward pass of one random image (at batch 1, so the calibration adds little to the peak RSS).
std::unique_ptr<Net> quantized_net(const NetSpec& spec, const NetOptions& options,
                                   int64_t classes) {
  ImportedModel model{with_batch(spec, 1), {}, "", "initialised weights"};
  ActivationRanges ranges(model.spec);
  {
    NetOptions calibrating = options;
    calibrating.keep_blobs = ranges.blobs();
    Net net(model.spec, calibrating);
    net.init_params(1);
    fill_inputs(net, classes);
    net.forward();
    ranges.observe(net);
    for (const Parameter& p : net.params()) model.weights.push_back({p.name, p.value});
  }
  model.spec = spec;
  return make_net(quantized_model(model, ranges), options);
}

// The zoo model of `args` on its device, with initialised (or int8-quantized) weights and random
// inputs.
std::unique_ptr<Net> bench_net(const BenchArgs& args) {
  if (args.int8 && (args.train || args.precision != Precision::kF32))
    throw ParamError("--int8 times inference (no --train) from fp32 weights (no --precision)");
  NetSpec spec = build_model(args.model, model_options(args));
  set_conv_algorithm(spec, parse_conv_algorithm(args.conv_algorithm));
  NetOptions options;
  options.phase = args.train ? Phase::kTrain : Phase::kTest;
  options.device = open_named_device(args.device, args.precision);
  std::unique_ptr<Net> net;
  if (args.int8) {
    net = quantized_net(spec, options, args.classes);
  } else {
    net = std::make_unique<Net>(spec, options);
    net->init_params(1);
  }
  fill_inputs(*net, args.classes);
  return net;
}

// One row per layer, as `caffe time` prints them; a ReLU done by the layer before it says so.
void print_layer_table(const Net& net, const BenchResult& r, bool train) {
  fmt::print("{:<32} {:<16} {:>12} {:>12}\n", "layer", "type", "forward ms", "backward ms");
  double forward_sum = 0, backward_sum = 0;
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerTiming& t = r.layers[i];
    const std::string backward = t.runs_backward ? fmt::format("{:.3f}", t.backward_ms) : "-";
    const std::string type = net.layer_fused(int(i)) ? t.type + " (fused)" : t.type;
    fmt::print("{:<32} {:<16} {:>12.3f} {:>12}\n", t.name, type, t.forward_ms, backward);
    forward_sum += t.forward_ms;
    backward_sum += t.backward_ms;
  }
  if (train) fmt::print("{:<32} {:<16} {:>12} {:>12.3f}\n", "sgd update", "SGD", "-", r.update_ms);
  fmt::print("{:<32} {:<16} {:>12.3f} {:>12.3f}\n", "sum of layer medians", "", forward_sum,
             backward_sum);
}

// What the run amounts to: throughput, effective GFLOP/s and memory.
struct BenchTotals {
  Shape input;  // the data blob's
  int64_t macs = 0, param_bytes = 0, peak_rss = 0;
  double images_per_s = 0, gflops = 0;
  int threads = 0;
};

BenchTotals totals_of(Net& net, const BenchResult& r, const BenchArgs& args) {
  BenchTotals t;
  t.input = net.input(kDataBlob).shape();
  for (const LayerInfo& info : net.layer_infos()) t.macs += info.macs;
  // Backward costs about two forward passes (input and weight gradients): training counts 3x.
  const double flops = 2.0 * static_cast<double>(t.macs) * (args.train ? 3 : 1);
  const double seconds = r.iteration_ms / 1e3;
  t.images_per_s = seconds > 0 ? static_cast<double>(args.batch) / seconds : 0;
  t.gflops = seconds > 0 ? flops / seconds / 1e9 : 0;
  t.param_bytes = net.param_count() * static_cast<int64_t>(sizeof(float));
  t.peak_rss = peak_rss_bytes();
  t.threads = omp_get_max_threads();
  return t;
}

std::string precision_label(const BenchArgs& args) {
  return args.int8 ? std::string("int8") : std::string(precision_name(args.precision));
}

void print_summary(const Net& net, const BenchResult& r, const BenchTotals& t,
                   const BenchArgs& args) {
  fmt::print("\n{}\n", machine_summary());
  fmt::print("device: {}\n", net.device().describe());
  fmt::print("{} {} {}, batch {}, {}, {} thread(s), median of {} iteration(s) after {} warm-up\n",
             args.model, args.train ? "train" : "test", t.input.str(),
             args.batch, precision_label(args), t.threads, args.iters, args.warmup);
  if (args.train)
    fmt::print("iteration: {:.2f} ms (forward {:.2f}, backward {:.2f}, sgd update {:.2f})\n",
               r.iteration_ms, r.forward_ms, r.backward_ms, r.update_ms);
  else
    fmt::print("iteration: {:.2f} ms (forward)\n", r.iteration_ms);
  fmt::print("throughput: {:.1f} images/s, {:.1f} GFLOP/s effective\n", t.images_per_s, t.gflops);
  fmt::print("work: {:.3f} GMAC forward per batch{}\n", static_cast<double>(t.macs) / 1e9,
             args.train ? ", counted x3 for training" : "");
  fmt::print("activations: {:.1f} MiB planned, {:.1f} MiB unplanned\n", mib(net.activation_bytes()),
             mib(net.unplanned_activation_bytes()));
  fmt::print("parameters: {:.1f} MiB; peak RSS: {:.1f} MiB\n", mib(t.param_bytes),
             mib(t.peak_rss));
}

void write_json(const Net& net, const BenchResult& r, const BenchTotals& t,
                const BenchArgs& args) {
  nlohmann::json j;
  j["model"] = args.model;
  j["mode"] = args.train ? "train" : "test";
  j["input"] = t.input.str();
  j["batch"] = args.batch;
  j["classes"] = args.classes;
  j["threads"] = t.threads;
  j["cpu"] = cpu_model();
  j["onednn_isa"] = dnnl_cpu_isa();
  j["precision"] = precision_label(args);
  j["int8_vnni"] = dnnl_int8_vnni();
  j["bf16"] = dnnl_bf16_description();
  j["build"] = build_target();
  j["iters"] = args.iters;
  j["warmup"] = args.warmup;
  j["forward_ms"] = r.forward_ms;
  j["backward_ms"] = r.backward_ms;
  j["update_ms"] = r.update_ms;
  j["iteration_ms"] = r.iteration_ms;
  j["images_per_s"] = t.images_per_s;
  j["gflops"] = t.gflops;
  j["forward_macs"] = t.macs;
  j["activation_bytes"] = net.activation_bytes();
  j["param_bytes"] = t.param_bytes;
  j["peak_rss_bytes"] = t.peak_rss;
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerTiming& layer : r.layers)
    layers.push_back({{"name", layer.name},
                      {"type", layer.type},
                      {"forward_ms", layer.forward_ms},
                      {"backward_ms", layer.backward_ms}});
  j["layers"] = layers;
  std::ofstream out(args.json);
  out << j.dump(2) << '\n';
  if (!out) throw IoError("cannot write benchmark results to '" + args.json + "'");
}

void run_bench(const BenchArgs& args) {
  if (args.threads > 0) omp_set_num_threads(args.threads);
  const std::unique_ptr<Net> net = bench_net(args);
  const BenchResult r = time_net(*net, args);
  const BenchTotals totals = totals_of(*net, r, args);
  print_layer_table(*net, r, args.train);
  print_summary(*net, r, totals, args);
  if (!args.json.empty()) write_json(*net, r, totals, args);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd =
      app.add_subcommand("bench", "Time a model per layer on random data (like caffe time)");
  cmd->add_option("--model", args->model,
                  "Model name (alexnet, vgg11..vgg19, googlenet, lenet, alexnet_small)")
      ->required();
  add_device_option(cmd, args->device);
  cmd->add_option("--batch", args->batch, "Batch size")->required()->check(CLI::PositiveNumber);
  cmd->add_flag(
      "--train", args->train,
      "Time forward, backward and an SGD step (TRAIN phase); default: forward only (TEST)");
  cmd->add_option("--iters", args->iters, "Timed iterations (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", args->warmup, "Untimed iterations first (default 2)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "OpenMP threads (default: OpenMP's choice)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--input", args->input, "Input size CxHxW (default: the model's native size)");
  cmd->add_option("--classes", args->classes, "Number of classes")->check(CLI::PositiveNumber);
  cmd->add_option("--json", args->json, "Also write the totals and per-layer medians to FILE");
  cmd->add_option("--conv-algorithm", args->conv_algorithm,
                  "auto | direct | winograd (3x3 stride-1 layers; default auto)");
  add_precision_option(cmd, args->precision);
  cmd->add_flag("--int8", args->int8,
                "Time inference of the model quantized to int8 (svertka quantize's method, "
                "activation scales from one random image)");
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace svertka::cli
