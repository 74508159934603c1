// svertka_gpu_check [--out DIR] [--catalog FILE] [--fashion-mnist DIR] [--epochs N] [--quick]
// [--only SECTIONS]: the sections of gpu_check.h in order, each with its own file under DIR
// (device.txt, kernels.tsv, kernels_padded.tsv, solver.tsv, nccl.tsv, nets.tsv, throughput.tsv,
// train.tsv, layers.tsv), then summary.txt.
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>

#include "gpu_check.h"
#include "svertka/backends/cuda.h"
#include "svertka/error.h"

namespace svertka::gpu_check {

Table::Table(const CheckOptions& options, const std::string& file, const std::string& header)
    : out_(options.out_dir + "/" + file), file_(file) {
  if (!out_) throw IoError("cannot write " + options.out_dir + "/" + file);
  out_ << header << '\n';
  std::cout << "== " << file << "\n" << header << '\n';
}

void Table::row(const std::string& line) {
  out_ << line << '\n';
  out_.flush();
  std::cout << line << std::endl;
}

namespace {

CheckOptions parse(int argc, char** argv, std::string& only) {
  CheckOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw ParamError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--out") o.out_dir = value();
    else if (arg == "--catalog") o.catalog = value();
    else if (arg == "--fashion-mnist") o.fashion_mnist = value();
    else if (arg == "--epochs") o.train_epochs = std::stoi(value());
    else if (arg == "--quick") o.quick = true;
    else if (arg == "--only") only = value();
    else throw ParamError("unknown argument " + arg);
  }
  return o;
}

int run(int argc, char** argv) {
  std::string only;  // comma-separated section names; empty: all
  const CheckOptions options = parse(argc, argv, only);
  std::filesystem::create_directories(options.out_dir);
  if (cuda_device_count() == 0) {
    std::cout << "svertka_gpu_check: no CUDA device on this machine; nothing checked\n";
    return 2;
  }
  const std::shared_ptr<Device> device = open_cuda_device(0);
  {
    Table info(options, "device.txt", "device");
    info.row(device->describe());
  }
  using Section = std::function<int()>;
  std::vector<std::pair<std::string, Section>> sections = {
      {"kernels", [&] { return check_kernels(options, *device); }},
      {"kernels_padded", [&] { return check_padded_convolutions(options); }},
      {"solver", [&] { return check_solver_steps(options, *device); }},
      {"nets", [&] { return check_nets(options, device); }},
      {"throughput", [&] { return measure_throughput(options); }},
      {"train", [&] { return check_training(options, device); }},
      {"layers", [&] { return time_layers(options); }},
  };
#if SVERTKA_GPU_CHECK_NCCL  // the one switch: NCCL is optional in the build
  sections.insert(sections.begin() + 2, {"nccl", [&] { return check_nccl(options, *device); }});
#endif
  Table summary(options, "summary.txt", "section\tfailures\tseconds");
  int failures = 0;
  for (const auto& [name, section] : sections) {
    if (!only.empty() && ("," + only + ",").find("," + name + ",") == std::string::npos) continue;
    const auto start = std::chrono::steady_clock::now();
    int failed = 0;
    try {
      failed = section();
    } catch (const std::exception& e) {
      failed = 1;
      std::cout << name << ": " << e.what() << std::endl;
    }
    failures += failed;
    summary.row(fmt::format(
        "{}\t{}\t{:.1f}", name, failed,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace svertka::gpu_check

int main(int argc, char** argv) {
  try {
    return svertka::gpu_check::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "svertka_gpu_check: " << e.what() << '\n';
    return 2;
  }
}
