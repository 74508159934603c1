#include "svertka/eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <list>
#include <map>
#include <memory>
#include <numeric>

#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/eval/dense.h"
#include "svertka/eval/eval_batch.h"
#include "svertka/infer_shapes.h"

namespace svertka {
namespace {

// Adds to sum[K] the softmax of row `row` of logits (B,K) or (B,K,h,w), averaged over positions.
void add_softmax(const Tensor& logits, int64_t row, float* sum) {
  const int64_t classes = logits.dim(1);
  const int64_t positions = logits.numel() / (logits.dim(0) * classes);
  const float* x = logits.data() + row * classes * positions;
  std::vector<double> p(static_cast<size_t>(classes));
  for (int64_t q = 0; q < positions; ++q) {
    double max = -INFINITY, total = 0;
    for (int64_t k = 0; k < classes; ++k) max = std::max(max, double(x[k * positions + q]));
    for (int64_t k = 0; k < classes; ++k)
      total += p[size_t(k)] = std::exp(double(x[k * positions + q]) - max);
    for (int64_t k = 0; k < classes; ++k)
      sum[k] += static_cast<float>(p[size_t(k)] / total / double(positions));
  }
}

Shape with_batch_shape(Shape shape, int64_t batch) {
  shape[0] = batch;
  return shape;
}

int64_t batch_of(const NetSpec& spec) {
  for (const InputSpec& input : spec.inputs)
    if (input.name != kLabelBlob) return input.shape[0];
  throw ParamError("net '" + spec.name + "' has no image input");
}

// The parameters of `weights` by name, each shaped as `spec`'s parameter of that name where the
// element counts agree (an inner product's (O, C*H*W) weight is a convolution's (O, C, H, W)): a
// net of `spec` made with these shares them rather than holding a copy. ShapeError naming a
// parameter that `weights` lacks or whose count differs.
std::map<std::string, Tensor> params_shaped_for(const Net& weights, const NetSpec& spec) {
  std::map<std::string, Tensor> by_name;
  for (const Parameter& p : weights.params()) by_name.emplace(p.name, p.value);
  std::map<std::string, Tensor> shared;
  for (const LayerShapes& layer : infer_shapes(spec, Phase::kTest).layers) {
    const Op& op = *spec.layers[layer.index].op;
    const std::vector<Shape> shapes = op.param_shapes(layer.bottoms);
    const std::vector<std::string> names = op.param_names();
    for (size_t k = 0; k < shapes.size(); ++k) {
      const std::string name =
          spec.layers[layer.index].name + "." + (k < names.size() ? names[k] : std::to_string(k));
      const auto it = by_name.find(name);
      if (it == by_name.end())
        throw ShapeError("net '" + spec.name + "': parameter '" + name + "' is missing in net '" +
                         weights.name() + "'");
      if (it->second.numel() != shapes[k].numel())
        throw ShapeError("parameter '" + name + "' has " + it->second.shape().str() +
                         ", which does not fit " + shapes[k].str());
      shared.emplace(name, it->second.reshaped(shapes[k]));
    }
  }
  return shared;
}

// The member's nets, all sharing its trained parameters, each made when first used: one at the
// crop size for `batch` views, and dense ones for whole images, one per input shape. Only the
// last dense net is kept: each holds activations for a whole image (~190 MB for VGG-16 at
// 512 px), while making one costs a few milliseconds against its pass's seconds.
class MemberNets {
 public:
  static constexpr size_t kDenseKept = 1;

  MemberNets(const EnsembleMember& member, int64_t batch) : member_(member), batch_(batch) {}
  Net& crop() {
    if (!crop_) {
      const NetSpec spec = with_batch(member_.spec, batch_);
      crop_ = std::make_unique<Net>(
          spec, NetOptions{.phase = Phase::kTest,
                           .device = member_.weights->shared_device(),  // so in its precision
                           .shared_params = params_shaped_for(*member_.weights, spec)});
      crop_->share_params_from(*member_.weights);  // a check that every parameter is there
    }
    return *crop_;
  }
  Net& dense(const Shape& input) {
    const std::string key = input.str();
    auto it =
        std::find_if(dense_.begin(), dense_.end(), [&](const auto& e) { return e.first == key; });
    if (it == dense_.end()) {
      if (dense_.size() == kDenseKept) dense_.pop_back();  // free before allocating the next
      const NetSpec spec = fully_convolutional(member_.spec, input);
      auto net = std::make_unique<Net>(
          spec, NetOptions{.phase = Phase::kTest,
                           .device = member_.weights->shared_device(),
                           .shared_params = params_shaped_for(*member_.weights, spec)});
      dense_.emplace_front(key, std::move(net));
    } else if (it != dense_.begin()) {
      dense_.splice(dense_.begin(), dense_, it);
    }
    return *dense_.front().second;
  }

 private:
  const EnsembleMember& member_;
  int64_t batch_;
  std::unique_ptr<Net> crop_;
  std::list<std::pair<std::string, std::unique_ptr<Net>>> dense_;  // most recently used first
};

}  // namespace

Prediction top_classes(const float* probabilities, int64_t classes, int64_t k, int64_t label) {
  std::vector<int64_t> order(static_cast<size_t>(classes));
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, classes);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
    return probabilities[a] > probabilities[b] || (probabilities[a] == probabilities[b] && a < b);
  });
  Prediction p;
  p.label = label;
  for (int64_t i = 0; i < k; ++i) {
    p.classes.push_back(order[size_t(i)]);
    p.probabilities.push_back(probabilities[order[size_t(i)]]);
  }
  return p;
}

namespace {

// The shape of `spec`'s image input for one view, and how many classes its blob `logits` scores.
std::pair<Shape, int64_t> view_and_classes(const NetSpec& spec, const std::string& logits) {
  const NetSpec one = with_batch(spec, 1);
  const NetShapes shapes = infer_shapes(one, Phase::kTest);
  const auto it = shapes.blobs.find(logits);
  if (it == shapes.blobs.end() || it->second.rank() < 2)
    throw ParamError("net '" + spec.name + "' has no scores blob '" + logits + "'");
  for (const InputSpec& input : one.inputs)
    if (input.name != kLabelBlob) return {input.shape, it->second[1]};
  throw ParamError("net '" + spec.name + "' has no image input");
}

// Each member's nets, checked against the data's classes and against the first member's input.
std::vector<std::unique_ptr<MemberNets>> open_members(const std::vector<EnsembleMember>& members,
                                                      int64_t classes, int64_t batch) {
  if (members.empty()) throw ParamError("evaluation needs at least one model");
  std::vector<std::unique_ptr<MemberNets>> nets;
  const Shape first = view_and_classes(members.front().spec, members.front().logits).first;
  for (const EnsembleMember& m : members) {
    if (!m.weights) throw ParamError("ensemble member '" + m.label + "' has no weights");
    nets.push_back(std::make_unique<MemberNets>(m, batch));
    const auto [view, scored] = view_and_classes(m.spec, m.logits);
    if (scored != classes)
      throw ParamError("ensemble member '" + m.label + "' scores " + std::to_string(scored) +
                       " classes, the data has " + std::to_string(classes));
    if (view != first)
      throw ParamError("ensemble member '" + m.label + "' takes input " +
                       with_batch_shape(view, batch).str() + ", '" + members.front().label + "' " +
                       with_batch_shape(first, batch).str() +
                       ": members must share the input size");
  }
  return nets;
}

// One round of samples [begin, begin + count): every view of each through every member.
// sums[m][s * classes + k]: member m's probabilities for sample begin + s, summed over views.
struct RoundScores {
  std::vector<std::vector<float>> sums;
  std::vector<int64_t> labels;
};

// How a round's views are batched: `batch` views per forward pass (the last one padded), in
// sample order; whole images of differing sizes (dense views of an image dataset) pass one image
// at one scale at a time: the image and its mirror.
struct RoundPlan {
  const std::vector<View>& views;
  int64_t batch;
  bool dense, varying;
};

// The end of the pass that starts at items[first].
size_t pass_end(const std::vector<SampleView>& items, size_t first, const RoundPlan& plan) {
  const size_t limit = std::min(items.size(), first + size_t(plan.batch));
  if (!plan.varying) return limit;
  size_t last = first + 1;
  while (last < limit && items[last].index == items[first].index &&
         items[last].view.scale == items[first].view.scale)
    ++last;
  return last;
}

// The buffers one round after another fills: allocated once (for crops), or when a whole image's
// size changes.
struct PassBuffers {
  std::vector<SampleView> items, piece;
  Tensor images, labels;
};

RoundScores score_round(const std::vector<EnsembleMember>& members,
                        std::vector<std::unique_ptr<MemberNets>>& nets, const ViewSource& data,
                        const RoundPlan& plan, int64_t begin, int64_t count, PassBuffers& buffers) {
  const int64_t classes = data.num_classes();
  RoundScores r{std::vector<std::vector<float>>(members.size(),
                                                std::vector<float>(size_t(count * classes), 0.0f)),
                std::vector<int64_t>(size_t(count), 0)};
  std::vector<SampleView>& items = buffers.items;
  items.clear();
  for (int64_t s = 0; s < count; ++s)  // sample order: one sample's views pass together
    for (const View& v : plan.views) items.push_back({begin + s, v});
  Tensor &images = buffers.images, &labels = buffers.labels;
  for (size_t first = 0; first < items.size();) {
    const size_t last = pass_end(items, first, plan), real = last - first;
    std::vector<SampleView>& piece = buffers.piece;
    piece.assign(items.begin() + long(first), items.begin() + long(last));
    if (!plan.varying) piece.resize(size_t(plan.batch), piece.back());  // pad the last pass
    const auto n = static_cast<int64_t>(piece.size());
    const Shape shape =
        plan.dense ? data.whole_shape(piece[0].index, piece[0].view) : data.crop_shape();
    if (images.shape() != Shape{n, shape[0], shape[1], shape[2]})
      images = Tensor(Shape{n, shape[0], shape[1], shape[2]}), labels = Tensor(Shape{n});
    data.fill(piece, images, labels);
    for (size_t m = 0; m < members.size(); ++m) {
      Net& net = plan.dense ? nets[m]->dense(images.shape()) : nets[m]->crop();
      net.input(kDataBlob).copy_from(images);
      net.forward();
      const Tensor& logits = net.blob(members[m].logits);
      for (size_t i = 0; i < real; ++i) {
        const int64_t s = piece[i].index - begin;
        add_softmax(logits, int64_t(i), r.sums[m].data() + s * classes);
        r.labels[size_t(s)] = static_cast<int64_t>(labels[int64_t(i)]);
      }
    }
    first = last;
  }
  return r;
}

// A round's counts: each member's view average, the ensemble's (the mean of the members'),
// its top-5 predictions and the confusion matrix.
void tally_round(const RoundScores& r, int64_t count, int64_t classes, int64_t num_views,
                 EvaluationResult& result) {
  const size_t members = r.sums.size();
  Tensor mean(Shape{count, classes}), ensemble(Shape{count, classes}), label_tensor(Shape{count});
  for (int64_t s = 0; s < count; ++s) label_tensor[s] = float(r.labels[size_t(s)]);
  for (size_t m = 0; m < members; ++m) {
    for (int64_t i = 0; i < count * classes; ++i) {
      mean[i] = r.sums[m][size_t(i)] / float(num_views);
      ensemble[i] = (m == 0 ? 0.0f : ensemble[i]) + mean[i] / float(members);
    }
    TopKCounts counts = count_top_k(mean, label_tensor, count);
    counts.loss_sum = log_loss_sum(mean, label_tensor, count);
    result.members[m] += counts;
  }
  TopKCounts counts = count_top_k(ensemble, label_tensor, count);
  counts.loss_sum = log_loss_sum(ensemble, label_tensor, count);
  result.ensemble += counts;
  for (int64_t s = 0; s < count; ++s) {
    Prediction p = top_classes(ensemble.data() + s * classes, classes, 5, r.labels[size_t(s)]);
    ++result.confusion[size_t(p.label)][size_t(p.classes.front())];
    result.predictions.push_back(std::move(p));
  }
}

}  // namespace

EvaluationResult evaluate_ensemble(const std::vector<EnsembleMember>& members,
                                   const ViewSource& data, const EvaluationOptions& options) {
  const int64_t classes = data.num_classes(), samples = data.size();
  const std::vector<View> views = views_for(options.policy, options.scales);
  const auto num_views = static_cast<int64_t>(views.size());
  const bool dense = options.policy == CropPolicy::kDense;
  const bool varying = dense && !data.uniform_whole_shape();
  if (members.empty()) throw ParamError("evaluation needs at least one model");
  if (options.batch < 0)
    throw ParamError("evaluation batch must be positive, got " + std::to_string(options.batch));
  const int64_t batch = options.batch > 0 ? options.batch : batch_of(members.front().spec);
  std::vector<std::unique_ptr<MemberNets>> nets = open_members(members, classes, batch);
  const RoundPlan plan{views, varying ? std::min<int64_t>(batch, 2) : batch, dense, varying};
  // Samples per round: the views of a round fill whole passes.
  const int64_t chunk = std::max<int64_t>(1, plan.batch / num_views);

  EvaluationResult result;
  result.views_per_sample = num_views;
  result.members.resize(members.size());
  result.confusion.assign(size_t(classes), std::vector<int64_t>(size_t(classes), 0));
  PassBuffers buffers;
  for (int64_t begin = 0; begin < samples; begin += chunk) {
    const int64_t count = std::min(chunk, samples - begin);
    const RoundScores scores = score_round(members, nets, data, plan, begin, count, buffers);
    tally_round(scores, count, classes, num_views, result);
    if (options.progress) options.progress(begin + count, samples);
  }
  return result;
}

}  // namespace svertka
