// The device seam (device.h, memory.h, backend.h): a CPU test device whose memory is apart from the
// host's — every buffer is an mmap'd region kept PROT_NONE except while the backend itself reads it
// (its kernels, its copies) — runs nets with the reference kernels. Any read or write of a blob,
// parameter or gradient by the net outside the backend would fault and end the test; the results
// must equal the reference backend's in host memory, bitwise.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "core/op_registry.h"
#include "fake_communicator.h"
#include "svertka/backend.h"
#include "svertka/blob_names.h"
#include "svertka/builder.h"
#include "svertka/dist/communicator.h"
#include "svertka/dist/gradient_averager.h"
#include "svertka/io/safetensors.h"
#include "svertka/kernel_registry.h"
#include "svertka/net.h"
#include "svertka/solver/sgd.h"
#include "svertka/solver/trainer.h"
#include "svertka/zoo.h"
#include "synthetic_idx.h"
#include "weights_compare.h"

namespace svertka::testing {
namespace {

// Page-aligned regions, inaccessible unless an Access is alive.
class GuardedMemory final : public MemoryResource {
 public:
  std::string_view name() const override { return "guarded"; }
  void* allocate(size_t bytes) override {
    void* p = mmap(nullptr, rounded(bytes), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw BackendError("guarded memory: mmap failed");
    std::lock_guard lock(mutex_);
    regions_[p] = rounded(bytes);
    if (open_ > 0) mprotect(p, rounded(bytes), PROT_READ | PROT_WRITE);
    return p;
  }
  void deallocate(void* p, size_t bytes) noexcept override {
    std::lock_guard lock(mutex_);
    regions_.erase(p);
    munmap(p, rounded(bytes));
  }
  void copy_to_host(void* host, const void* source, size_t bytes) const override {
    Access access(*this);
    std::memcpy(host, source, bytes);
  }
  void copy_from_host(void* destination, const void* host, size_t bytes) const override {
    Access access(*this);
    std::memcpy(destination, host, bytes);
  }
  void copy(void* destination, const void* source, size_t bytes) const override {
    Access access(*this);
    std::memmove(destination, source, bytes);
  }
  void zero(void* destination, size_t bytes) const override {
    Access access(*this);
    std::memset(destination, 0, bytes);
  }

  // Opens every region for the backend's own work, as a device's kernels and copies reach its
  // memory; nests.
  class Access {
   public:
    explicit Access(const GuardedMemory& memory) : memory_(const_cast<GuardedMemory&>(memory)) {
      memory_.protect(+1);
    }
    ~Access() { memory_.protect(-1); }

   private:
    GuardedMemory& memory_;
  };

 private:
  static size_t rounded(size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return (std::max<size_t>(bytes, 1) + page - 1) / page * page;
  }
  void protect(int change) {
    std::lock_guard lock(mutex_);
    const bool was_open = open_ > 0;
    open_ += change;
    if (was_open == (open_ > 0)) return;
    for (const auto& [p, bytes] : regions_)
      mprotect(p, bytes, open_ > 0 ? PROT_READ | PROT_WRITE : PROT_NONE);
  }

  std::mutex mutex_;
  std::map<void*, size_t> regions_;
  int open_ = 0;
};

GuardedMemory& guarded() {
  static GuardedMemory memory;
  return memory;
}

// A reference kernel run with the memory open: the test backend's kernel.
class GuardedKernel final : public Kernel {
 public:
  explicit GuardedKernel(std::unique_ptr<Kernel> inner) : inner_(std::move(inner)) {}
  void forward(const ForwardArgs<float>& args) override {
    GuardedMemory::Access access(guarded());
    inner_->forward(args);
  }
  void backward(const BackwardArgs<float>& args) override {
    GuardedMemory::Access access(guarded());
    inner_->backward(args);
  }

 private:
  std::unique_ptr<Kernel> inner_;
};

void register_guarded_kernels(KernelRegistry& registry) {
  for (const OpEntry* entry : op_entries()) {
    const KernelRegistry::Factory<float> reference = *registry.find(entry->type, Backend::kCpuRef);
    registry.add_factory(
        entry->type, Backend::kPrivate,
        [reference](const Op& op, const std::vector<Shape>& inputs, Device& device) {
          GuardedMemory::Access access(guarded());
          return std::make_unique<GuardedKernel>(reference(op, inputs, device));
        });
  }
}

std::vector<KernelFile> guarded_kernel_files() {
  std::vector<KernelFile> files;
  for (const OpEntry* entry : op_entries())
    files.push_back({entry->type, register_guarded_kernels});
  return files;
}

// The test device: the host's arithmetic, inside the guarded memory.
class GuardedDevice final : public Device {
 public:
  GuardedDevice() : Device(Backend::kPrivate) {}
  MemoryResource* memory() const override { return &guarded(); }
  std::string describe() const override { return "guarded test memory"; }
  void axpby(float a, const Tensor& x, float b, Tensor& y) override {
    GuardedMemory::Access access(guarded());
    Device::axpby(a, x, b, y);
  }
  void sgd_update(const SgdUpdate& update, Tensor& value, const Tensor& grad, Tensor& history,
                  Tensor& history2) override {
    GuardedMemory::Access access(guarded());
    Device::sgd_update(update, value, grad, history, history2);
  }
};

const BackendEntry kGuardedBackend{
    .backend = Backend::kPrivate,
    .kernel_files = guarded_kernel_files,
    .open =
        [](const DeviceOptions&) {
          return std::shared_ptr<Device>(std::make_shared<GuardedDevice>());
        },
};
[[maybe_unused]] const bool registered = register_backend(kGuardedBackend);

// A small net with a blob read by two layers (its gradient is accumulated), as in an inception
// module, and every kind of parameter.
NetSpec branching_net() {
  NetBuilder b("branching");
  std::string x = b.input(kDataBlob, Shape{2, 3, 8, 8});
  const std::string label = b.input(kLabelBlob, Shape{2});
  x = b.relu("relu1", b.conv("conv1", x, Conv(4, 3).pad(1)));
  const std::string left = b.conv("left", x, Conv(3, 1));
  const std::string right = b.pool("right", x, Pool::max(3, 1).pad(1));
  x = b.concat("join", {left, right});
  x = b.fc("fc", x, Fc(5));
  b.softmax_loss("loss", x, label);
  return b.build();
}

struct Result {
  float loss = 0;
  Tensor logits;
  std::map<std::string, Tensor> grads;
};

Result run(const NetSpec& spec, Backend backend, Phase phase, const std::string& logits) {
  Net net(spec, {.phase = phase, .backend = backend, .keep_blobs = {logits}});
  net.init_params(11);
  Tensor& data = net.input(kDataBlob);
  EXPECT_TRUE(data.on_host()) << "inputs are filled on the host";
  for (int64_t i = 0; i < data.numel(); ++i) data[i] = static_cast<float>((i * 37 % 23) - 11) / 7;
  Tensor& label = net.input(kLabelBlob);
  for (int64_t i = 0; i < label.numel(); ++i) label[i] = static_cast<float>(i % 3);
  Result r;
  r.loss = net.forward();
  r.logits = net.blob(logits).clone();
  if (phase == Phase::kTrain) {
    net.backward();
    for (const Parameter& p : net.params()) r.grads[p.name] = p.grad.to_host();
  }
  return r;
}

void expect_same_tensor(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_TRUE(a.on_host() && b.on_host()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.bytes()), 0) << what;
}

TEST(DeviceMemory, TheGuardFaultsOnAHostReadOutsideTheBackend) {
  Tensor t(Shape{4}, &guarded());
  EXPECT_FALSE(t.on_host());
  EXPECT_EQ(t.memory(), &guarded());
  EXPECT_EQ(t.to_host()[3], 0.0f);  // through the backend: fine
  EXPECT_DEATH(
      {
        volatile float x = t.data()[0];
        (void)x;
      },
      "");
}

TEST(DeviceMemory, TensorsKnowTheirElementType) {
  EXPECT_EQ(Tensor::dtype(), DType::kF32);
  EXPECT_EQ(BasicTensor<double>::dtype(), DType::kF64);
  EXPECT_EQ(dtype_name(Tensor::dtype()), "f32");
}

// Host tensors below and above kLargeHostBlock (memory.h): zero-filled, aligned (large ones to a
// huge page), usable to their last element, and freed again (a thousand large ones would
// otherwise hold 4 GB: the test's own memory shows it).
TEST(DeviceMemory, HostTensorsAreZeroAlignedAndFreedOnEitherSideOfTheLargeBlockSize) {
  const int64_t large = int64_t(kLargeHostBlock / sizeof(float));
  for (int64_t n : {int64_t{1}, int64_t{1000}, large - 1, large, large + 12345}) {
    for (int round = 0; round < (n >= large ? 1000 : 3); ++round) {
      Tensor t(Shape{n});
      ASSERT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u) << n;
      if (n * int64_t(sizeof(float)) >= int64_t(kLargeHostBlock)) {
        ASSERT_EQ(reinterpret_cast<uintptr_t>(t.data()) % (2u << 20), 0u) << n;
      }
      ASSERT_EQ(t[0], 0.0f) << n;
      ASSERT_EQ(t[n - 1], 0.0f) << n;
      t[0] = t[n - 1] = 1.0f;  // written for the next round to prove it gets fresh zeros
      const Tensor copy = t.clone();
      ASSERT_EQ(copy[n - 1], 1.0f);
    }
  }
}

TEST(DeviceMemory, CopiesGoThroughTheBackendEitherWay) {
  Tensor host(Shape{3});
  host[0] = 1, host[1] = 2, host[2] = 3;
  Tensor device(Shape{3}, &guarded());
  device.copy_from(host);
  const Tensor twin = device.clone();
  EXPECT_EQ(twin.memory(), &guarded());
  const Tensor back = twin.to_host();
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[2], 3.0f);
  device.zero();
  EXPECT_EQ(device.to_host()[1], 0.0f);
}

TEST(DeviceMemory, TestForwardOfAZooModelEqualsTheReference) {
  const NetSpec spec = build_model("alexnet_small", {.num_classes = 10, .batch = 2});
  const std::string logits = model_info("alexnet_small").logits;
  const Result reference = run(spec, Backend::kCpuRef, Phase::kTest, logits);
  const Result device = run(spec, Backend::kPrivate, Phase::kTest, logits);
  EXPECT_EQ(device.loss, reference.loss);
  expect_same_tensor(device.logits, reference.logits, "logits");
}

TEST(DeviceMemory, TrainingForwardAndBackwardEqualTheReference) {
  const NetSpec spec = branching_net();
  const Result reference = run(spec, Backend::kCpuRef, Phase::kTrain, "fc");
  const Result device = run(spec, Backend::kPrivate, Phase::kTrain, "fc");
  EXPECT_EQ(device.loss, reference.loss);
  expect_same_tensor(device.logits, reference.logits, "logits");
  ASSERT_EQ(device.grads.size(), reference.grads.size());
  for (const auto& [name, grad] : reference.grads)
    expect_same_tensor(device.grads.at(name), grad, name + " gradient");
}

TEST(DeviceMemory, WeightsLoadAndReadBackThroughTheBackend) {
  Net net(branching_net(), {.phase = Phase::kTest, .backend = Backend::kPrivate});
  Parameter& weight = net.param("fc.weight");
  EXPECT_EQ(weight.value.memory(), &guarded());
  Tensor host(weight.value.shape());
  for (int64_t i = 0; i < host.numel(); ++i) host[i] = static_cast<float>(i);
  weight.value.copy_from(host);
  expect_same_tensor(weight.value.to_host(), host, "fc.weight");
}

// The whole Trainer (data in, SGD, validation, snapshots, the saved weights) on the test backend:
// nothing of it touches the backend's memory but through the backend, and it trains as cpu_ref.
std::vector<NamedTensor> train_on(Backend backend, const std::string& run, int64_t iter_size = 1) {
  const IdxBatchSource train(synthetic_idx(32, 1), Normalization{.mean = 0.3f, .stddev = 0.3f},
                             SmallImageAugment{.pad = 2, .mirror = true});
  const IdxBatchSource val(synthetic_idx(8, 2), Normalization{.mean = 0.3f, .stddev = 0.3f},
                           SmallImageAugment{});
  TrainConfig c;
  c.loop.epochs = 2;
  c.loop.batch = 8;
  c.loop.seed = 3;
  c.loop.backend = backend;
  c.loop.iter_size = iter_size;
  c.solver.schedule.base_lr = 0.02;
  c.snapshot.out_dir = run;
  Trainer trainer(zoo_train_net("alexnet_small", train, c.loop.batch, 4), c, train, &val);
  trainer.run();
  return load_safetensors(run + "/weights.safetensors").tensors;
}

TEST(DeviceMemory, TheTrainerTrainsOnItAsOnTheReference) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("svertka_device_" + std::to_string(::getpid()));
  const std::vector<NamedTensor> reference = train_on(Backend::kCpuRef, (dir / "ref").string());
  const std::vector<NamedTensor> device = train_on(Backend::kPrivate, (dir / "device").string());
  std::filesystem::remove_all(dir);
  expect_bitwise_equal(device, reference);
}

TEST(DeviceMemory, AccumulatingOverBatchesTrainsOnItAsOnTheReference) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("svertka_device_iter_" + std::to_string(::getpid()));
  const auto reference = train_on(Backend::kCpuRef, (dir / "ref").string(), 2);
  const auto device = train_on(Backend::kPrivate, (dir / "device").string(), 2);
  std::filesystem::remove_all(dir);
  expect_bitwise_equal(device, reference);
}

TEST(DeviceMemory, GradientsAreAveragedOverRanksThroughTheHost) {
  Net net(branching_net(), {.phase = Phase::kTrain, .backend = Backend::kPrivate});
  std::vector<Tensor> before;
  for (Parameter& p : net.params()) {
    Tensor host(p.grad.shape());
    for (int64_t i = 0; i < host.numel(); ++i) host[i] = 0.25f * static_cast<float>(i % 7);
    p.grad.copy_from(host);
    before.push_back(std::move(host));
  }
  FakeCommunicator comm(2, 1.0f);  // the other rank holds the same gradients: twice ours
  GradientAverager averager(net.params(), comm, {.bucket_bytes = 256});
  averager.begin();
  for (int k = static_cast<int>(net.params().size()); k-- > 0;) averager.ready(k);
  averager.finish();
  for (size_t k = 0; k < before.size(); ++k)
    expect_same_tensor(net.params()[k].grad.to_host(), before[k], net.params()[k].name);
}

TEST(DeviceMemory, ADeviceIsAnObjectTheNetRunsOn) {
  const std::shared_ptr<Device> mine = open_device(Backend::kPrivate);
  EXPECT_NE(mine, default_device(Backend::kPrivate));
  Net net(branching_net(), {.phase = Phase::kTest, .device = mine});
  EXPECT_EQ(&net.device(), mine.get());
  EXPECT_EQ(net.backend(), Backend::kPrivate);
  EXPECT_EQ(net.param("fc.weight").value.memory(), &guarded());
  EXPECT_THROW(SgdSolver(net.params(), {}), ParamError) << "host solver, device parameters";
  EXPECT_NO_THROW(SgdSolver(net.params(), {}, net.device()));
}

TEST(DeviceMemory, CopyingBetweenTwoBackendsMemoriesIsAnError) {
  GuardedMemory other;
  Tensor a(Shape{2}, &guarded()), b(Shape{2}, &other);
  EXPECT_THROW(a.copy_from(b), BackendError);
}

}  // namespace
}  // namespace svertka::testing
