#include "svertka/dist/gradient_averager.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "svertka/error.h"

namespace svertka {

GradientAverager::GradientAverager(std::vector<Parameter>& params, Communicator& comm,
                                   GradientAveragerOptions options)
    : params_(params), comm_(comm), bucket_of_(params.size(), -1), is_ready_(params.size()) {
  if (options.bucket_bytes <= 0) throw ParamError("bucket_bytes must be positive");
  int64_t bytes = 0;
  for (int k = static_cast<int>(params.size()); k-- > 0;) {
    const int64_t n = params[static_cast<size_t>(k)].grad.numel();
    if (buckets_.empty() || bytes + n * 4 > options.bucket_bytes) {
      if (buckets_.empty() || !buckets_.back().params.empty()) buckets_.emplace_back();
      bytes = 0;
    }
    Bucket& b = buckets_.back();
    b.offsets.push_back(static_cast<int64_t>(b.buffer.size()));
    b.params.push_back(k);
    b.buffer.resize(b.buffer.size() + static_cast<size_t>(n));
    bucket_of_[static_cast<size_t>(k)] = static_cast<int>(buckets_.size()) - 1;
    bytes += n * 4;
  }
}

void GradientAverager::begin() {
  std::fill(is_ready_.begin(), is_ready_.end(), false);
  for (Bucket& b : buckets_) {
    b.waiting = static_cast<int>(b.params.size());
    b.started = false;
  }
}

void GradientAverager::ready(int index) {
  if (is_ready_.at(static_cast<size_t>(index))) return;
  is_ready_[static_cast<size_t>(index)] = true;
  Bucket& b = buckets_[static_cast<size_t>(bucket_of_[static_cast<size_t>(index)])];
  const size_t slot =
      static_cast<size_t>(std::find(b.params.begin(), b.params.end(), index) - b.params.begin());
  const Tensor& g = params_[static_cast<size_t>(index)].grad;
  float* staged = b.buffer.data() + b.offsets[slot];
  if (g.on_host())
    std::memcpy(staged, g.data(), g.bytes());
  else
    g.memory()->copy_to_host(staged, g.data(), g.bytes());
  if (--b.waiting == 0) start(b);
  comm_.progress();
}

void GradientAverager::start(Bucket& b) {
  b.started = true;
  comm_.start_sum(b.buffer);
}

void GradientAverager::finish() {
  for (size_t k = 0; k < params_.size(); ++k)
    if (!is_ready_[k]) ready(static_cast<int>(k));
  const auto wait_start = std::chrono::steady_clock::now();
  comm_.wait_all();
  last_wait_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start).count();
  const float scale = 1.0f / float(comm_.size());
  for (Bucket& b : buckets_)
    for (size_t slot = 0; slot < b.params.size(); ++slot) {
      Tensor& g = params_[static_cast<size_t>(b.params[slot])].grad;
      float* sum = b.buffer.data() + b.offsets[slot];
      float* out = g.on_host() ? g.data() : sum;
      for (int64_t i = 0; i < g.numel(); ++i) out[i] = sum[i] * scale;
      if (!g.on_host()) g.memory()->copy_from_host(g.data(), sum, g.bytes());
    }
}

}  // namespace svertka
