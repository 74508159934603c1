#include "svertka/eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>

#include "svertka/blob_names.h"
#include "svertka/error.h"
#include "svertka/eval/dense.h"

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

int64_t batch_of(const NetSpec& spec) {
  for (const InputSpec& input : spec.inputs)
    if (input.name != kLabelBlob) return input.shape[0];
  throw ParamError("net '" + spec.name + "' has no image input");
}

// The member nets: one at the crop size sharing the trained parameters, and dense ones made on
// demand for each whole-image shape.
class MemberNets {
 public:
  explicit MemberNets(const EnsembleMember& member) : member_(member) {
    // On the trained net's device, so in its precision.
    crop_ = std::make_unique<Net>(
        member.spec, NetOptions{.phase = Phase::kTest, .device = member.weights->shared_device()});
    crop_->share_params_from(*member.weights);
  }
  Net& crop() { return *crop_; }
  Net& dense(const Shape& input) {
    auto& net = dense_[input.str()];
    if (!net) {
      net = std::make_unique<Net>(fully_convolutional(member_.spec, input),
                                  NetOptions{.phase = Phase::kTest,
                                             .device = member_.weights->shared_device()});
      copy_params_reshaped(*member_.weights, *net);
    }
    return *net;
  }

 private:
  const EnsembleMember& member_;
  std::unique_ptr<Net> crop_;
  std::map<std::string, std::unique_ptr<Net>> dense_;
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

// Each member's nets, checked against the data's classes and against the first member's input.
std::vector<std::unique_ptr<MemberNets>> open_members(const std::vector<EnsembleMember>& members,
                                                      int64_t classes) {
  if (members.empty()) throw ParamError("evaluation needs at least one model");
  std::vector<std::unique_ptr<MemberNets>> nets;
  for (const EnsembleMember& m : members) {
    if (!m.weights) throw ParamError("ensemble member '" + m.label + "' has no weights");
    nets.push_back(std::make_unique<MemberNets>(m));
    const Tensor& logits = nets.back()->crop().blob(m.logits);
    if (logits.dim(1) != classes)
      throw ParamError("ensemble member '" + m.label + "' scores " + std::to_string(logits.dim(1)) +
                       " classes, the data has " + std::to_string(classes));
    if (nets.back()->crop().input(kDataBlob).shape() !=
        nets.front()->crop().input(kDataBlob).shape())
      throw ParamError("ensemble member '" + m.label + "' takes input " +
                       nets.back()->crop().input(kDataBlob).shape().str() + ", '" +
                       members.front().label + "' " +
                       nets.front()->crop().input(kDataBlob).shape().str() +
                       ": members must share the input size and batch");
  }
  return nets;
}

// One round of samples [begin, begin + count): every view of each through every member.
// sums[m][s * classes + k]: member m's probabilities for sample begin + s, summed over views.
struct RoundScores {
  std::vector<std::vector<float>> sums;
  std::vector<int64_t> labels;
};

// How a round's views are batched: `batch` views per forward, whole images one at a time when
// their sizes differ (dense views of a dataset without one whole-image size).
struct RoundPlan {
  const std::vector<View>& views;
  int64_t batch;
  bool dense, one_at_a_time;
};

RoundScores score_round(const std::vector<EnsembleMember>& members,
                        std::vector<std::unique_ptr<MemberNets>>& nets, const ViewSource& data,
                        const RoundPlan& plan, int64_t begin, int64_t count, Tensor& images,
                        Tensor& labels) {
  const int64_t classes = data.num_classes(), batch = plan.batch;
  RoundScores r{std::vector<std::vector<float>>(members.size(),
                                                std::vector<float>(size_t(count * classes), 0.0f)),
                std::vector<int64_t>(size_t(count), 0)};
  std::vector<SampleView> items;
  for (const View& v : plan.views)
    for (int64_t s = 0; s < count; ++s) items.push_back({begin + s, v});
  for (size_t first = 0; first < items.size(); first += size_t(batch)) {
    const size_t real = std::min(items.size() - first, size_t(batch));
    std::vector<SampleView> piece(items.begin() + long(first), items.begin() + long(first + real));
    if (!plan.one_at_a_time) piece.resize(size_t(batch), piece.back());  // pad the last round
    if (plan.dense) {  // the whole image's size may differ from the last round's
      const Shape shape = data.whole_shape(piece[0].index, piece[0].view);
      if (images.shape() != Shape{batch, shape[0], shape[1], shape[2]})
        images = Tensor(Shape{batch, shape[0], shape[1], shape[2]});
    }
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
    result.members[m] += count_top_k(mean, label_tensor, count);
  }
  result.ensemble += count_top_k(ensemble, label_tensor, count);
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
  std::vector<std::unique_ptr<MemberNets>> nets = open_members(members, classes);
  const std::vector<View> views = views_for(options.policy, options.scales);
  const auto num_views = static_cast<int64_t>(views.size());
  const bool dense = options.policy == CropPolicy::kDense;
  const bool one_at_a_time = dense && !data.uniform_whole_shape();
  const RoundPlan plan{views, one_at_a_time ? 1 : batch_of(members.front().spec), dense,
                       one_at_a_time};
  const int64_t chunk = std::max<int64_t>(1, plan.batch / num_views);  // samples per round

  EvaluationResult result;
  result.views_per_sample = num_views;
  result.members.resize(members.size());
  result.confusion.assign(size_t(classes), std::vector<int64_t>(size_t(classes), 0));
  const Shape crop = data.crop_shape();
  Tensor images(Shape{plan.batch, crop[0], crop[1], crop[2]}), labels(Shape{plan.batch});
  for (int64_t begin = 0; begin < samples; begin += chunk) {
    const int64_t count = std::min(chunk, samples - begin);
    const RoundScores scores = score_round(members, nets, data, plan, begin, count, images, labels);
    tally_round(scores, count, classes, num_views, result);
    if (options.progress) options.progress(begin + count, samples);
  }
  return result;
}

}  // namespace svertka
