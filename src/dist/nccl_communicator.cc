// NcclCommunicator (svertka/dist/nccl.h): NCCL for the gradient sums, a bootstrap communicator for
// the id exchange and the small host collectives.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "backends/cuda/block_pool.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "svertka/dist/nccl.h"
#include "svertka/error.h"

namespace svertka {

namespace {

void check_nccl(ncclResult_t status, const char* call) {
  if (status != ncclSuccess)
    throw BackendError(std::string("NCCL call ") + call + " failed: " + ncclGetErrorString(status));
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(std::unique_ptr<Communicator> bootstrap, cuda::CudaDevice& device,
                   const CommunicatorOptions& options)
      : bootstrap_(std::move(bootstrap)),
        device_(device),
        options_(options),
        staging_([d = &device](size_t bytes) { return d->cuda_memory().allocate(bytes); },
                 [d = &device](void* block) { d->cuda_memory().deallocate(block, 0); }) {
    device_.activate();
    // Rank 0's id reaches the others through the bootstrap, as the bits of 16 doubles.
    ncclUniqueId id{};
    static_assert(sizeof(id) % sizeof(double) == 0);
    std::vector<double> carrier(sizeof(id) / sizeof(double));
    if (bootstrap_->rank() == 0) {
      check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
      std::memcpy(carrier.data(), &id, sizeof(id));
    }
    bootstrap_->broadcast(std::span<double>(carrier), 0);
    std::memcpy(&id, carrier.data(), sizeof(id));
    check_nccl(ncclCommInitRank(&comm_, bootstrap_->size(), id, bootstrap_->rank()),
               "ncclCommInitRank");
  }
  ~NcclCommunicator() override {
    if (comm_) (void)ncclCommDestroy(comm_);
  }

  int rank() const override { return bootstrap_->rank(); }
  int size() const override { return bootstrap_->size(); }
  std::string describe() const override {
    return "NCCL rank " + std::to_string(rank()) + " of " + std::to_string(size()) + " on cuda:" +
           std::to_string(device_.ordinal()) + " (bootstrap: " + bootstrap_->describe() + ")";
  }

  void start_sum(std::span<float> data) override {
    if (data.empty()) return;
    device_.activate();
    float* on_device = data.data();
    Pending pending{data, nullptr};
    if (!is_device_memory(data.data())) {  // staged: host -> device, summed, back at wait_all()
      pending.staging = static_cast<float*>(staging_.allocate(data.size_bytes()));
      on_device = pending.staging;
      SVERTKA_CUDA_CHECK(cudaMemcpyAsync(on_device, data.data(), data.size_bytes(),
                                         cudaMemcpyHostToDevice, device_.stream()));
    }
    check_nccl(ncclAllReduce(on_device, on_device, data.size(), ncclFloat, ncclSum, comm_,
                             device_.stream()),
               "ncclAllReduce");
    pending_.push_back(pending);
  }
  void progress() override {}
  void wait_all() override {
    device_.activate();
    for (const Pending& p : pending_)
      if (p.staging)
        SVERTKA_CUDA_CHECK(cudaMemcpyAsync(p.host.data(), p.staging, p.host.size_bytes(),
                                           cudaMemcpyDeviceToHost, device_.stream()));
    wait_for_stream();
    for (const Pending& p : pending_)
      if (p.staging) staging_.deallocate(p.staging);
    pending_.clear();
  }

  void sum(std::span<double> data) override { bootstrap_->sum(data); }
  void broadcast(std::span<float> data, int root) override { bootstrap_->broadcast(data, root); }
  void broadcast(std::span<double> data, int root) override { bootstrap_->broadcast(data, root); }
  bool same_on_all_ranks(uint64_t value) override { return bootstrap_->same_on_all_ranks(value); }
  [[noreturn]] void abort(int exit_code) noexcept override {
    if (comm_) (void)ncclCommAbort(comm_);
    bootstrap_->abort(exit_code);
    std::_Exit(exit_code);  // the bootstrap's abort does not return; the compiler cannot know
  }

 private:
  struct Pending {
    std::span<float> host;  // where the sum belongs
    float* staging;         // its device copy, or null when `host` is device memory itself
  };

  static bool is_device_memory(const void* pointer) {
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, pointer) != cudaSuccess) {
      (void)cudaGetLastError();
      return false;
    }
    return attributes.type == cudaMemoryTypeDevice;
  }

  // Polls the stream and NCCL's error state until the sums are done or the timeout passes.
  void wait_for_stream() {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration<double>(options_.timeout_seconds);
    for (;;) {
      const cudaError_t status = cudaStreamQuery(device_.stream());
      if (status == cudaSuccess) return;
      if (status != cudaErrorNotReady) SVERTKA_CUDA_CHECK(status);
      ncclResult_t async = ncclSuccess;
      check_nccl(ncclCommGetAsyncError(comm_, &async), "ncclCommGetAsyncError");
      check_nccl(async, "an allreduce");
      if (std::chrono::steady_clock::now() > deadline) {
        (void)ncclCommAbort(comm_);
        comm_ = nullptr;
        throw BackendError(describe() + ": an allreduce did not finish within " +
                           std::to_string(options_.timeout_seconds) +
                           " s (a peer died or hangs); NCCL aborted");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  std::unique_ptr<Communicator> bootstrap_;
  cuda::CudaDevice& device_;
  CommunicatorOptions options_;
  ncclComm_t comm_ = nullptr;
  cuda::BlockPool staging_;
  std::vector<Pending> pending_;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(std::unique_ptr<Communicator> bootstrap,
                                                     Device& device,
                                                     const CommunicatorOptions& options) {
  if (!bootstrap) throw ParamError("make_nccl_communicator: no bootstrap communicator");
  return std::make_unique<NcclCommunicator>(std::move(bootstrap), cuda::as_cuda(device), options);
}

}  // namespace svertka
