// Section "layers": where a training step's time goes on the GPU, layer by layer (as `svertka
// bench` on the CPU): each layer's forward and backward timed alone between two waits for the
// GPU, the median of five steps, for the throughput runs' nets and batches (TF32 on). Layer 0's
// forward includes the input batch's copy from host memory, which is also timed on its own, from
// pageable and from page-locked (pinned) memory; the first convolutions are also timed alone, with
// their 3 input channels and padded to 4 and 8. Diagnostic: nothing here fails.
#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "gpu_check.h"
#include "svertka/backends/cuda.h"
#include "svertka/builder.h"
#include "svertka/net.h"
#include "svertka/solver/sgd.h"
#include "svertka/zoo.h"

namespace svertka::gpu_check {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Milliseconds to copy a host tensor of `shape` into the device's memory, the median of five.
double copy_ms(const Shape& shape, Device& device, bool pinned) {
  Tensor host(shape), on_device(shape, device.memory());
  if (pinned && cudaHostRegister(host.data(), host.bytes(), cudaHostRegisterDefault) != cudaSuccess)
    return -1;
  std::vector<double> times;
  for (int i = 0; i < 6; ++i) {
    const auto start = Clock::now();
    on_device.copy_from(host);
    device.synchronize();
    if (i > 0) times.push_back(ms_since(start));
  }
  if (pinned) cudaHostUnregister(host.data());
  return median(times);
}

// The first convolutions of the three nets read 3 channels, which cuDNN's tensor-core algorithms
// do not take as they are; the same convolution with the channels padded with zeros to 4 and 8
// computes the same outputs. Milliseconds of one forward (bias included), the median of five.
void time_first_convolutions(Table& table, const std::shared_ptr<Device>& device) {
  struct First {
    const char* name;
    int64_t batch, size, outputs, kernel, stride, pad;
  };
  const First firsts[] = {{"alexnet/conv1", 256, 227, 96, 11, 4, 0},
                          {"vgg16/conv1_1", 64, 224, 64, 3, 1, 1},
                          {"googlenet/conv1", 128, 224, 64, 7, 2, 3}};
  for (const First& f : firsts) {
    for (int64_t channels : {3, 4, 8}) {
      NetBuilder b("first");
      // Layer 0 (a ReLU) takes the input's copy; layer 1, the convolution, is timed.
      const std::string x =
          b.relu("relu", b.input("data", Shape{f.batch, channels, f.size, f.size}));
      b.conv("conv", x, Conv(f.outputs, f.kernel).stride(f.stride).pad(f.pad));
      Net net(b.build(), {.phase = Phase::kTest, .device = device});
      net.init_params(1);
      net.forward_layer(0);
      std::vector<double> times;
      for (int i = 0; i < 6; ++i) {
        device->synchronize();
        const auto start = Clock::now();
        net.forward_layer(1);
        device->synchronize();
        if (i > 0) times.push_back(ms_since(start));
      }
      table.row(fmt::format("{}\t{}\t(alone, {} input channels)\tConvolution\t{:.3f}\t-", f.name,
                            f.batch, channels, median(times)));
    }
  }
}

}  // namespace

int time_layers(const CheckOptions& options) {
  Table table(options, "layers.tsv", "net\tbatch\tlayer\ttype\tforward_ms\tbackward_ms");
  const std::shared_ptr<Device> device = open_cuda_device(0, {.tf32 = true});
  const std::vector<std::pair<std::string, int64_t>> runs = {
      {"alexnet", 256}, {"vgg16", 64}, {"googlenet", 128}};
  constexpr int kWarmup = 2, kSteps = 5;
  for (const auto& [name, batch] : runs) {
    Net net(build_model(name, {.batch = batch}), {.phase = Phase::kTrain, .device = device});
    net.init_params(1);
    Tensor& data = net.input("data");
    for (int64_t i = 0; i < data.numel(); ++i) data[i] = float(i % 251) / 251 - 0.5f;
    Tensor& labels = net.input("label");
    for (int64_t i = 0; i < labels.numel(); ++i) labels[i] = float(i % 1000);
    SgdSolver solver(net.params(), SgdOptions{}, *device);
    const int n = net.num_layers();
    std::vector<std::vector<double>> forward(static_cast<size_t>(n)),
        backward(static_cast<size_t>(n));
    std::vector<double> update;
    for (int step = 0; step < kWarmup + kSteps; ++step) {
      const bool timed = step >= kWarmup;
      net.set_step(uint64_t(step));
      for (int i = 0; i < n; ++i) {
        const auto start = Clock::now();
        net.forward_layer(i);
        device->synchronize();
        if (timed) forward[size_t(i)].push_back(ms_since(start));
      }
      net.begin_backward();
      for (int i = n; i-- > 0;) {
        if (!net.layer_runs_backward(i)) continue;
        const auto start = Clock::now();
        net.backward_layer(i);
        device->synchronize();
        if (timed) backward[size_t(i)].push_back(ms_since(start));
      }
      const auto start = Clock::now();
      solver.step(1e-4, step);
      device->synchronize();
      if (timed) update.push_back(ms_since(start));
    }
    double forward_total = 0, backward_total = 0;
    for (int i = 0; i < n; ++i) {
      const double f = median(forward[size_t(i)]), b = median(backward[size_t(i)]);
      forward_total += f;
      backward_total += b;
      table.row(fmt::format("{}\t{}\t{}\t{}\t{:.3f}\t{:.3f}", name, batch, net.layer_spec(i).name,
                            net.layer_infos()[size_t(i)].type, f, b));
    }
    table.row(fmt::format("{}\t{}\t(solver update)\t-\t-\t{:.3f}", name, batch, median(update)));
    table.row(fmt::format("{}\t{}\t(total)\t-\t{:.3f}\t{:.3f}", name, batch, forward_total,
                          backward_total + median(update)));
    const Shape input = data.shape();
    table.row(fmt::format("{}\t{}\t(input copy, pageable)\t-\t{:.3f}\t-", name, batch,
                          copy_ms(input, *device, false)));
    table.row(fmt::format("{}\t{}\t(input copy, pinned)\t-\t{:.3f}\t-", name, batch,
                          copy_ms(input, *device, true)));
  }
  time_first_convolutions(table, device);
  return 0;
}

}  // namespace svertka::gpu_check
