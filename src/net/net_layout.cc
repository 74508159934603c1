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

// A set of versions that hold u8 codes of one step: joined through the layers that pass codes
// (a fused ReLU in place, max pooling, a channel concat: their inputs and output), written by
// int8 layers that can write codes, read by int8 layers that all want that step.
struct Net::U8Plan {
  std::set<int> versions;
  std::set<int> producers;
  std::optional<float> scale;
};

// Grows `plan` from `version` to the whole set it must join; false where some producer cannot
// write codes or some reader cannot read them.
bool Net::plan_u8(int version, U8Plan& plan) const {
  std::vector<int> pending{version};
  auto passes = [&](const Layer& layer) {
    return layer.fused || (layer.tops.size() == 1 && layer.kernel->passes_u8());
  };
  while (!pending.empty()) {
    const int v = pending.back();
    pending.pop_back();
    if (!plan.versions.insert(v).second) continue;
    const Blob& blob = blobs_[static_cast<size_t>(v)];
    if (blob.shape.rank() != 4 || blob.consumers.empty() || blob.producer < 0) return false;
    const Layer& producer = *layers_[static_cast<size_t>(blob.producer)];
    if (passes(producer)) {
      pending.insert(pending.end(), producer.bottoms.begin(), producer.bottoms.end());
    } else if (producer.tops.size() == 1 && producer.kernel->can_write_u8()) {
      plan.producers.insert(blob.producer);
    } else {
      return false;
    }
    for (int reader : blob.consumers) {
      const Layer& layer = *layers_[static_cast<size_t>(reader)];
      if (passes(layer)) {
        pending.push_back(layer.tops[0]);
        pending.insert(pending.end(), layer.bottoms.begin(), layer.bottoms.end());
      } else if (const std::optional<float> scale = layer.kernel->u8_input_scale();
                 scale && layer.bottoms.size() == 1 && (!plan.scale || *plan.scale == *scale)) {
        plan.scale = scale;
      } else {
        return false;
      }
    }
  }
  return plan.scale.has_value();
}

// Every version a plan reached is decided: a plan from any of them grows the same set, so each
// set is planned once (a net of thousands of joined layers costs one pass, not one per producer).
void Net::choose_u8_blobs() {
  if (options_.phase != Phase::kTest || !options_.int8_layouts) return;
  std::vector<bool> decided(blobs_.size(), false);
  for (auto& layer : layers_) {
    if (layer->tops.size() != 1 || !layer->kernel->can_write_u8()) continue;
    if (decided[static_cast<size_t>(layer->tops[0])]) continue;
    U8Plan plan;
    const bool codes = plan_u8(layer->tops[0], plan);
    for (int v : plan.versions) decided[static_cast<size_t>(v)] = true;
    if (!codes) continue;
    for (int p : plan.producers) layers_[static_cast<size_t>(p)]->kernel->write_u8(*plan.scale);
    for (int v : plan.versions) {
      blobs_[static_cast<size_t>(v)].layout = BlobLayout::kU8ChannelsLast;
      blobs_[static_cast<size_t>(v)].u8_scale = *plan.scale;
    }
  }
}

// Written by a kernel whose own layout it is (an int8 layer's fp32 output) or passed on by one
// working in the layout of its input (LRN, pooling), and read only by kernels taking it as it is;
// in layer order, so a layer's input is decided before its output.
void Net::choose_channels_last() {
  if (options_.phase != Phase::kTest || !options_.int8_layouts) return;
  auto layout_of = [&](int v) -> BlobLayout& { return blobs_[static_cast<size_t>(v)].layout; };
  for (auto& layer : layers_) {
    if (layer->fused || layer->tops.size() != 1) continue;
    const Kernel& kernel = *layer->kernel;
    const bool source = kernel.writes_channels_last() ||
                        (kernel.reads_channels_last() && layer->bottoms.size() == 1 &&
                         layout_of(layer->bottoms[0]) == BlobLayout::kChannelsLast);
    const int top = layer->tops[0];
    const Blob& blob = blobs_[static_cast<size_t>(top)];
    if (!source || blob.layout != BlobLayout::kPlain || blob.shape.rank() != 4) continue;
    std::vector<int> versions{top};  // and a fused ReLU's, in place
    bool readers_take_it = !blob.consumers.empty();
    for (size_t i = 0; i < versions.size(); ++i)
      for (int r : blobs_[static_cast<size_t>(versions[i])].consumers) {
        const Layer& reader = *layers_[static_cast<size_t>(r)];
        if (reader.fused)
          versions.push_back(reader.tops[0]);
        else
          readers_take_it = readers_take_it && reader.kernel->reads_channels_last();
      }
    if (!readers_take_it) continue;
    for (int v : versions) layout_of(v) = BlobLayout::kChannelsLast;
  }
}

// A blob is blocked when its channels fill whole blocks and every kernel that writes or reads it
// accepts that. Versions sharing a buffer (in place), and the input and output of an elementwise
// kernel, share one layout, so they are decided together.
void Net::choose_layouts() {
  choose_u8_blobs();
  choose_channels_last();
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
