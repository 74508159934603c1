// Which blobs the net keeps channel-blocked between layers (blob_layout.h).
#include <numeric>
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

// A blob is blocked when its channels fill whole blocks and every kernel that writes or reads it
// accepts that. Versions sharing a buffer (in place), and the input and output of an elementwise
// kernel, share one layout, so they are decided together.
void Net::choose_layouts() {
  const int block = device_->channel_block();
  if (block == 0) return;
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
    bool blocked = blob.producer >= 0 && blob.shape.rank() == 4 && blob.shape[1] % block == 0 &&
                   support(blob.producer) != LayoutSupport::kPlainOnly;
    for (int consumer : blob.consumers)
      blocked = blocked && support(consumer) != LayoutSupport::kPlainOnly;
    if (!blocked) plain_groups.insert(groups.find(v));
  }
  for (size_t v = 0; v < blobs_.size(); ++v)
    if (!plain_groups.count(groups.find(v)))
      blobs_[v].layout = BlobLayout::kChannelBlocked;

  for (auto& layer : layers_) {
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
