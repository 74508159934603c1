// Caffe solver files -> CaffeSolver.
#include <cmath>
#include <filesystem>
#include <utility>

#include "caffe.pb.h"
#include "io/proto_io.h"
#include "svertka/error.h"
#include "svertka/io/caffe.h"

namespace svertka {

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
  if (!std::filesystem::exists(s.net)) {
    // Caffe resolves relative to the working directory; files moved with their solver resolve
    // next to it (by file name when the folders differ).
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    for (const std::filesystem::path& candidate :
         {dir / p.net(), dir / std::filesystem::path(p.net()).filename()})
      if (std::filesystem::exists(candidate)) {
        s.net = candidate.string();
        break;
      }
  }
  const bool nesterov =
      p.type() == "Nesterov" || p.solver_type() == caffe::SolverParameter::NESTEROV;
  if (!(p.type() == "SGD" || p.type() == "Nesterov") ||
      (p.solver_type() != caffe::SolverParameter::SGD && !nesterov))
    fail("solver type '" + p.type() + "' is unsupported (SGD and Nesterov are)");
  if (p.regularization_type() != "L2") fail("regularization_type other than L2 is unsupported");
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
  } else {
    fail("lr_policy \"" + policy + "\" is unsupported (fixed, step, multistep and poly are)");
  }
  for (const auto& [name, value] :
       {std::pair{"base_lr", p.base_lr()}, std::pair{"gamma", p.gamma()},
        std::pair{"power", p.power()}, std::pair{"momentum", p.momentum()},
        std::pair{"weight_decay", p.weight_decay()}})
    if (!std::isfinite(value)) fail(std::string(name) + " is " + std::to_string(value));
  if (p.iter_size() <= 0) fail("iter_size must be positive");
  s.sgd.momentum = p.momentum();
  s.sgd.weight_decay = p.weight_decay();
  s.sgd.nesterov = nesterov;
  s.max_iter = p.max_iter();
  if (s.max_iter <= 0) fail("max_iter must be positive");
  s.iter_size = p.iter_size();
  s.test_interval = p.test_interval();
  s.test_iter = p.test_iter_size() > 0 ? p.test_iter(0) : 0;
  s.snapshot = p.snapshot();
  s.snapshot_prefix = p.snapshot_prefix();
  s.display = p.display();
  s.random_seed = p.random_seed();
  return s;
}

}  // namespace svertka
