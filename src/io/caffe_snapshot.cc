// Caffe's .caffemodel + .solverstate snapshots (caffe_snapshot.h).
#include "svertka/io/caffe_snapshot.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "caffe.pb.h"
#include "io/format_registry.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {
namespace {

namespace fs = std::filesystem;

caffe::BlobProto to_blob(const Tensor& tensor) {
  const Tensor host = tensor.to_host();
  caffe::BlobProto blob;
  for (int64_t d : host.shape().dims()) blob.mutable_shape()->add_dim(d);
  blob.mutable_data()->Add(host.data(), host.data() + host.numel());
  return blob;
}

// Caffe's Blob::ShapeEquals: the `shape` field's dims, or the legacy num/channels/height/width
// against `shape` padded with leading 1s to four dimensions.
bool same_shape(const caffe::BlobProto& blob, const Shape& shape) {
  if (!blob.has_shape() &&
      (blob.has_num() || blob.has_channels() || blob.has_height() || blob.has_width())) {
    if (shape.rank() > 4) return false;
    std::vector<int64_t> legacy(size_t(4 - shape.rank()), 1);
    for (int64_t d : shape.dims()) legacy.push_back(d);
    return legacy == std::vector<int64_t>{blob.num(), blob.channels(), blob.height(), blob.width()};
  }
  return std::equal(blob.shape().dim().begin(), blob.shape().dim().end(), shape.dims().begin(),
                    shape.dims().end());
}

std::string blob_shape_text(const caffe::BlobProto& blob) {
  if (!blob.has_shape())
    return Shape{blob.num(), blob.channels(), blob.height(), blob.width()}.str();
  std::string text = "(";
  for (int i = 0; i < blob.shape().dim_size(); ++i)
    text += (i ? "," : "") + std::to_string(blob.shape().dim(i));
  return text + ")";
}

// History blob `index` as a tensor of `shape`, checked.
Tensor read_history(const std::string& path, const caffe::BlobProto& blob, int index,
                    const std::string& param, const Shape& shape) {
  const std::string where =
      path + ": history blob " + std::to_string(index) + " (of parameter '" + param + "')";
  if (!same_shape(blob, shape))
    throw IoError(where + " has shape " + blob_shape_text(blob) + ", the net's is " + shape.str());
  const bool doubles = blob.data_size() == 0 && blob.double_data_size() > 0;
  const int64_t count = doubles ? blob.double_data_size() : blob.data_size();
  if (count != shape.numel())
    throw IoError(where + " holds " + std::to_string(count) + " values for " + shape.str());
  Tensor tensor(shape);
  for (int64_t i = 0; i < count; ++i)
    tensor[i] = doubles ? float(blob.double_data(int(i))) : blob.data(int(i));
  return tensor;
}

// Caffe opens learned_net as written, from the working directory; a snapshot moved together
// with its .caffemodel is found beside the state.
std::string resolve_learned_net(const std::string& path, const std::string& learned_net) {
  if (fs::is_regular_file(learned_net)) return learned_net;
  const fs::path dir = fs::path(path).parent_path();
  for (const fs::path& candidate : {dir / learned_net, dir / fs::path(learned_net).filename()})
    if (fs::is_regular_file(candidate)) return candidate.string();
  throw IoError(path + ": its learned_net '" + learned_net +
                "' (the .caffemodel of its weights) is not found, as given or next to it");
}

void check_current_step(const std::string& path, const caffe::SolverState& state,
                        const LrScheduleOptions& schedule) {
  if (schedule.kind != LrScheduleOptions::Kind::kMultiStep) return;  // the others recompute it
  const int64_t expected = caffe_current_step(schedule, state.iter());
  if (state.current_step() != expected)
    throw IoError(path + ": current_step " + std::to_string(state.current_step()) +
                  " at iteration " + std::to_string(state.iter()) + ", but the solver's " +
                  std::to_string(schedule.milestones.size()) + " stepvalues give " +
                  std::to_string(expected) + " there (were the stepvalues changed?)");
}

}  // namespace

std::string caffe_snapshot_path(const std::string& prefix, int64_t iteration,
                                const std::string& extension) {
  return prefix + "_iter_" + std::to_string(iteration) + extension;
}

int64_t caffe_current_step(const LrScheduleOptions& schedule, int64_t iteration) {
  if (iteration <= 0) return 0;
  if (schedule.kind == LrScheduleOptions::Kind::kStep && schedule.step_size > 0)
    return (iteration - 1) / schedule.step_size;
  if (schedule.kind != LrScheduleOptions::Kind::kMultiStep) return 0;
  // GetLearningRate at iterations 0 .. iteration-1, each passing one stepvalue at most.
  int64_t step = 0, last = -1;
  for (const int64_t value : schedule.milestones) {
    const int64_t at = std::max(value, last + 1);
    if (at >= iteration) break;
    ++step;
    last = at;
  }
  return step;
}

void check_caffe_history_layout(const NetSpec& spec) {
  for (const LayerSpec& layer : spec.layers) {
    if (layer.op->param_names().empty()) continue;
    const FormatEntry* entry = find_format_entry(layer.op->type());
    const CaffeMapping* caffe = entry ? mapping(entry->caffe) : nullptr;
    if (!caffe || caffe->read_blobs)
      throw ParamError("layer '" + layer.name + "' (" + std::string(layer.op->type()) +
                       "): its parameters are not its Caffe layer's blobs one to one, so a "
                       "Caffe solver state cannot hold its history");
  }
}

std::string save_caffe_snapshot(const std::string& prefix, const NetSpec& spec, const Net& net,
                                const SgdSolver& solver, int64_t iteration, int64_t current_step) {
  const std::string model = caffe_snapshot_path(prefix, iteration, ".caffemodel");
  std::vector<NamedTensor> weights;
  for (const Parameter& p : net.params()) weights.push_back({p.name, p.value.to_host()});
  save_caffemodel(spec, weights, model);
  caffe::SolverState state;
  state.set_iter(int32_t(iteration));
  state.set_learned_net(model);
  state.set_current_step(int32_t(current_step));
  for (int b = 0; b < solver.num_history_buffers(); ++b)
    for (const Tensor& history : solver.history(b)) *state.add_history() = to_blob(history);
  const std::string path = caffe_snapshot_path(prefix, iteration, ".solverstate");
  proto_io::write_binary(path, state);
  return path;
}

CaffeSolverState restore_caffe_solverstate(const std::string& path, const NetSpec& spec, Net& net,
                                           SgdSolver& solver, const LrScheduleOptions& schedule) {
  if (path.ends_with(".h5"))
    throw IoError(path +
                  ": HDF5 solver states are unsupported (Caffe's default snapshot_format, "
                  "BINARYPROTO, is: a .solverstate)");
  caffe::SolverState state;
  proto_io::parse_binary(path, state);
  if (state.iter() < 0) throw IoError(path + ": iter " + std::to_string(state.iter()) + " < 0");
  if (!state.has_learned_net() || state.learned_net().empty())
    throw IoError(path + ": names no learned_net (the .caffemodel of its weights)");
  check_current_step(path, state, schedule);
  const size_t params = net.params().size();
  const int buffers = solver.num_history_buffers();
  if (size_t(state.history_size()) != params * size_t(buffers))
    throw IoError(path + ": " + std::to_string(state.history_size()) + " history blobs; the " +
                  solver_type_name(solver.options().type) + " solver of this net has " +
                  std::to_string(params * size_t(buffers)) + " (" + std::to_string(buffers) +
                  " x " + std::to_string(params) + " learnable parameters)");
  std::vector<Tensor> history;
  for (size_t i = 0; i < params * size_t(buffers); ++i) {
    const Parameter& p = net.params()[i % params];
    history.push_back(read_history(path, state.history(int(i)), int(i), p.name, p.value.shape()));
  }
  CaffeSolverState result{.iteration = state.iter(),
                          .current_step = state.current_step(),
                          .learned_net = resolve_learned_net(path, state.learned_net())};
  std::map<std::string, Tensor> weights;
  for (NamedTensor& w : load_caffemodel(result.learned_net, spec)) weights[w.name] = w.tensor;
  for (const Parameter& p : net.params())
    if (!weights.count(p.name))
      throw IoError(result.learned_net + ": has no weights for '" + p.name + "' (from " + path +
                    ")");
  for (Parameter& p : net.params()) p.value.copy_from(weights.at(p.name));
  for (size_t i = 0; i < history.size(); ++i)
    solver.history(int(i / params))[i % params].copy_from(history[i]);
  return result;
}

}  // namespace svertka
