// Which blobs the net keeps channel-blocked, or as u8 codes, between layers (blob_layout.h).
#include <numeric>
#include <optional>
#include <set>

#include "net/net_internal.h"

namespace svertka {
namespace {

// Union-find over blob versions, with path halving.
class Groups {
 public:
  explicit Groups(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t find(size_t v) {
    while (parent_[v] != v) v = parent_[v] = parent_[parent_[v]];
    return v;
  }
  void unite(size_t a, size_t b) { parent_[find(a)] = find(b); }

 private:
  std::vector<size_t> parent_;
};

}  // namespace

// The versions that hold one int8 layer's output as u8 codes: its top, the fused ReLU's in-place
// version of it, and the outputs of the max pooling that reads them; and the step every int8
// reader wants.
struct Net::U8Plan {
  std::vector<int> versions;
  std::optional<float> scale;
};

// Whether every reader of `version` (past fused ReLUs) reads u8 codes: an int8 layer, all at one
// step, or max pooling whose own output is read so.
bool Net::plan_u8(int version, U8Plan& plan) const {
  const Blob& blob = blobs_[static_cast<size_t>(version)];
  if (blob.shape.rank() != 4 || blob.consumers.empty()) return false;
  plan.versions.push_back(version);
  for (int reader : blob.consumers) {
    const Layer& layer = *layers_[static_cast<size_t>(reader)];
    if (layer.bottoms.size() != 1 || layer.tops.size() != 1) return false;
    if (layer.fused) {
      if (!plan_u8(layer.tops[0], plan)) return false;
    } else if (const std::optional<float> scale = layer.kernel->u8_input_scale()) {
      if (plan.scale && *plan.scale != *scale) return false;
      plan.scale = scale;
    } else if (!layer.kernel->passes_u8() || !plan_u8(layer.tops[0], plan)) {
      return false;
    }
  }
  return true;
}

void Net::choose_u8_blobs() {
  if (options_.phase != Phase::kTest || !options_.u8_activations) return;
  for (auto& layer : layers_) {
    if (layer->tops.size() != 1 || layer->fused) continue;
    U8Plan plan;
    if (!plan_u8(layer->tops[0], plan) || !plan.scale) continue;
    const bool writes = in_layer(name_, layer->spec, backend(), "choosing u8 output",
                                 [&] { return layer->kernel->write_u8(*plan.scale); });
    if (!writes) continue;
    for (int v : plan.versions) {
      blobs_[static_cast<size_t>(v)].layout = BlobLayout::kU8ChannelsLast;
      blobs_[static_cast<size_t>(v)].u8_scale = *plan.scale;
    }
  }
}

// A blob is blocked when its channels fill whole blocks and every kernel that writes or reads it
// accepts that. Versions sharing a buffer (in place), and the input and output of an elementwise
// kernel, share one layout, so they are decided together.
void Net::choose_layouts() {
  choose_u8_blobs();
  const int block = device_->channel_block();
  auto support = [&](int layer) {
    return layers_[static_cast<size_t>(layer)]->kernel->layout_support();
  };
  Groups groups(blobs_.size());
  for (size_t v = 0; v < blobs_.size(); ++v)
    if (blobs_[v].alias_of >= 0) groups.unite(v, static_cast<size_t>(blobs_[v].alias_of));
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = *layers_[i];
    if (support(static_cast<int>(i)) == LayoutSupport::kSameAsInput && !layer.bottoms.empty() &&
        !layer.tops.empty())
      groups.unite(static_cast<size_t>(layer.bottoms[0]), static_cast<size_t>(layer.tops[0]));
  }
  std::set<size_t> plain_groups;
  for (size_t v = 0; v < blobs_.size(); ++v) {
    const Blob& blob = blobs_[v];
    bool blocked = block > 0 && blob.layout == BlobLayout::kPlain && blob.producer >= 0 &&
                   blob.shape.rank() == 4 && blob.shape[1] % block == 0 &&
                   support(blob.producer) != LayoutSupport::kPlainOnly;
    for (int consumer : blob.consumers)
      blocked = blocked && support(consumer) != LayoutSupport::kPlainOnly;
    if (!blocked) plain_groups.insert(groups.find(v));
  }
  for (size_t v = 0; v < blobs_.size(); ++v)
    if (!plain_groups.count(groups.find(v))) blobs_[v].layout = BlobLayout::kChannelBlocked;

  for (auto& layer : layers_) {
    if (layer->fused) continue;  // it never runs
    std::vector<BlobLayout> inputs, outputs;
    bool any_blocked = false;
    for (int b : layer->bottoms) inputs.push_back(blobs_[static_cast<size_t>(b)].layout);
    for (int t : layer->tops) outputs.push_back(blobs_[static_cast<size_t>(t)].layout);
    for (BlobLayout l : inputs) any_blocked |= l != BlobLayout::kPlain;
    for (BlobLayout l : outputs) any_blocked |= l != BlobLayout::kPlain;
    if (any_blocked)
      in_layer(name_, layer->spec, backend(), "setting its layouts",
               [&] { layer->kernel->set_layouts(inputs, outputs); });
  }
}

}  // namespace svertka
