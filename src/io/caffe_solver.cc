// Caffe solver files -> CaffeSolver.
#include <cmath>
#include <filesystem>
#include <sstream>
#include <utility>

#include "caffe.pb.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/atomic_file.h"
#include "svertka/io/caffe.h"

namespace svertka {

namespace {

// The solver type from `type` (or the deprecated `solver_type` enum) and the fields of its rule,
// with Caffe's defaults.
template <class Fail>
SgdOptions solver_options(const caffe::SolverParameter& p, const Fail& fail) {
  using Enum = caffe::SolverParameter;
  static const std::pair<Enum::SolverType, SolverType> kEnum[] = {
      {Enum::SGD, SolverType::kSgd},           {Enum::NESTEROV, SolverType::kNesterov},
      {Enum::ADAGRAD, SolverType::kAdaGrad},   {Enum::RMSPROP, SolverType::kRmsProp},
      {Enum::ADADELTA, SolverType::kAdaDelta}, {Enum::ADAM, SolverType::kAdam},
  };
  SgdOptions o;
  try {
    o.type = parse_solver_type(p.type());
  } catch (const ParamError& e) {
    fail(e.what());
  }
  if (p.has_solver_type()) {
    for (const auto& [value, type] : kEnum)
      if (value == p.solver_type()) {
        if (p.has_type() && type != o.type)
          fail("type \"" + p.type() + "\" and solver_type disagree");
        o.type = type;
      }
  }
  if (p.regularization_type() == "L1")
    o.regularization = Regularization::kL1;
  else if (p.regularization_type() != "L2")
    fail("regularization_type \"" + p.regularization_type() + "\" is unknown (L1 or L2)");
  o.momentum = p.momentum();
  o.weight_decay = p.weight_decay();
  o.delta = p.delta();
  o.momentum2 = p.momentum2();
  o.rms_decay = p.rms_decay();
  return o;
}

// "<path>:<line>" of the first line of `path` that sets `field`, or "<path>" when none does.
std::string field_position(const std::string& path, const std::string& field) {
  std::istringstream lines(read_file(path));
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos && line.compare(start, field.size(), field) == 0)
      return path + ":" + std::to_string(number);
  }
  return path;
}

// Caffe's UpgradeSnapshotPrefixProperty: no prefix is the solver file without its extension, a
// directory is that directory / the solver file's stem. A prefix whose folder does not exist
// (relative to the working directory, as Caffe resolves it) is taken next to the solver, as the
// net is: files moved with their solver write beside it.
std::string snapshot_prefix(const std::string& path, const caffe::SolverParameter& p) {
  namespace fs = std::filesystem;
  if (!p.has_snapshot_prefix()) return fs::path(path).replace_extension().string();
  const fs::path prefix = p.snapshot_prefix();
  if (fs::is_directory(prefix)) return (prefix / fs::path(path).stem()).string();
  const fs::path folder = prefix.parent_path();
  if (folder.empty() || fs::is_directory(folder)) return prefix.string();
  const fs::path dir = fs::path(path).parent_path();
  if (fs::is_directory(dir / folder)) return (dir / prefix).string();
  return (dir / prefix.filename()).string();
}

// Whether `file` exists; false also where it cannot be asked (a name too long for the file
// system, a folder without permission), which the net's loading then reports.
bool file_exists(const std::filesystem::path& file) {
  std::error_code error;
  return std::filesystem::exists(file, error);
}

}  // namespace

CaffeSolver load_caffe_solver(const std::string& path) {
  caffe::SolverParameter p;
  proto_io::parse_text(path, p);
  auto fail = [&](const std::string& what) { throw IoError(path + ": " + what); };
  CaffeSolver s;
  s.path = path;
  if (p.has_net_param() || p.has_train_net() || p.test_net_size() > 0)
    fail("only `net: \"file\"` is supported to name the net (not net_param, train_net, test_net)");
  if (!p.has_net()) fail("no `net` field naming the net file");
  s.net = p.net();
  if (!file_exists(s.net)) {
    // Caffe resolves relative to the working directory; files moved with their solver resolve
    // next to it (by file name when the folders differ).
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    for (const std::filesystem::path& candidate :
         {dir / p.net(), dir / std::filesystem::path(p.net()).filename()})
      if (file_exists(candidate)) {
        s.net = candidate.string();
        break;
      }
  }
  s.sgd = solver_options(p, fail);
  if (!p.has_base_lr()) fail("no base_lr");
  s.schedule.base_lr = p.base_lr();
  s.schedule.gamma = p.gamma();
  s.schedule.power = p.power();
  const std::string policy = p.has_lr_policy() ? p.lr_policy() : "fixed";
  if (policy == "fixed") {
    s.schedule.kind = LrScheduleOptions::Kind::kFixed;
  } else if (policy == "step") {
    s.schedule.kind = LrScheduleOptions::Kind::kStep;
    if (p.stepsize() <= 0) fail("lr_policy \"step\" needs a positive stepsize");
    s.schedule.step_size = p.stepsize();
  } else if (policy == "multistep") {
    s.schedule.kind = LrScheduleOptions::Kind::kMultiStep;
    s.schedule.milestones.assign(p.stepvalue().begin(), p.stepvalue().end());
  } else if (policy == "poly") {
    s.schedule.kind = LrScheduleOptions::Kind::kPoly;
    s.schedule.max_iter = p.max_iter();
  } else if (policy == "exp" || policy == "inv") {
    s.schedule.kind = parse_schedule_kind(policy);
  } else if (policy == "sigmoid") {
    s.schedule.kind = LrScheduleOptions::Kind::kSigmoid;
    s.schedule.step_size = p.stepsize();  // the midpoint
    if (s.schedule.step_size <= 0) fail("lr_policy \"sigmoid\" needs a positive stepsize");
  } else {
    fail("lr_policy \"" + policy +
         "\" is unknown (Caffe's are fixed, step, exp, inv, multistep, poly and sigmoid)");
  }
  for (const auto& [name, value] :
       {std::pair{"base_lr", p.base_lr()}, std::pair{"gamma", p.gamma()},
        std::pair{"power", p.power()}, std::pair{"momentum", p.momentum()},
        std::pair{"weight_decay", p.weight_decay()}, std::pair{"delta", p.delta()},
        std::pair{"momentum2", p.momentum2()}, std::pair{"rms_decay", p.rms_decay()}})
    if (!std::isfinite(value)) fail(std::string(name) + " is " + std::to_string(value));
  if (p.iter_size() <= 0) fail("iter_size must be positive");
  s.max_iter = p.max_iter();
  if (s.max_iter <= 0) fail("max_iter must be positive");
  s.iter_size = p.iter_size();
  s.test_interval = p.test_interval();
  s.test_iter = p.test_iter_size() > 0 ? p.test_iter(0) : 0;
  s.snapshot = p.snapshot();
  if (p.snapshot_format() != caffe::SolverParameter::BINARYPROTO)
    throw IoError(field_position(path, "snapshot_format") +
                  ": snapshot_format HDF5 is unsupported (svertka writes and reads Caffe's "
                  "default, BINARYPROTO: .caffemodel and .solverstate)");
  s.snapshot_prefix = snapshot_prefix(path, p);
  s.display = p.display();
  s.random_seed = p.random_seed();
  if (p.average_loss() < 1) fail("average_loss must be at least 1");
  s.average_loss = p.average_loss();
  s.test_initialization = p.test_initialization();
  s.snapshot_after_train = p.snapshot_after_train();
  if (!std::isfinite(p.clip_gradients())) fail("clip_gradients is not finite");
  if (p.clip_gradients() > 0) s.sgd.clip_gradients = double(p.clip_gradients()) / double(s.iter_size);
  return s;
}

}  // namespace svertka
