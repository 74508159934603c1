// svertka.train's engine: `svertka train` itself (apps/svertka/train.cc, with its recipe, options
// and Trainer) run on an argument list, with Python's callback, Ctrl-C and results joined through
// TrainHooks. python/svertka/__init__.py turns keyword arguments into the options.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <atomic>
#include <optional>

#include "bindings.h"
#include "commands.h"
#include "svertka/error.h"

namespace svertka::python {
namespace {

py::dict metrics_dict(const EpochMetrics& m) {
  py::dict d;
  d["epoch"] = m.epoch + 1;  // as printed and in metrics.jsonl's sense: the epoch just finished
  d["iteration"] = m.iteration;
  d["loss"] = m.loss;
  d["lr"] = m.lr;
  d["train_top1_error"] = m.train_top1_error;
  d["train_top5_error"] = m.train_top5_error;
  d["val_top1_error"] = m.val_top1_error;
  d["val_top5_error"] = m.val_top5_error;
  d["seconds"] = m.seconds;
  for (const NamedValue& v : m.task) d[py::str(v.name)] = v.value;
  return d;
}

// A Python error raised inside a callback, kept until the trainer has stopped and saved.
struct PendingError {
  std::optional<py::error_already_set> error;
  void keep(py::error_already_set&& e) {
    if (!error) error = std::move(e);
  }
};

py::dict run_train(const std::vector<std::string>& options, const py::object& on_epoch) {
  std::atomic<bool> stop{false};
  PendingError pending;
  py::dict result;
  cli::TrainHooks hooks;
  hooks.stop_requested = &stop;
  // Ctrl-C: Python's handler only notes the signal; it runs here, between updates, and its
  // KeyboardInterrupt stops the trainer, which saves a checkpoint as the CLI does on SIGINT.
  hooks.on_progress = [&](const TrainProgress&) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      pending.keep(py::error_already_set());
      stop = true;
    }
  };
  hooks.on_epoch = [&](const EpochMetrics& m) {
    if (on_epoch.is_none()) return;
    py::gil_scoped_acquire gil;
    try {
      const py::object answer = on_epoch(metrics_dict(m));
      if (!answer.is_none() && !answer.cast<bool>()) stop = true;  // False: stop the run
    } catch (py::error_already_set& e) {
      pending.keep(std::move(e));
      stop = true;
    }
  };
  hooks.on_result = [&](const TrainResult& r) {
    py::gil_scoped_acquire gil;
    result = metrics_dict(r.last);
    result["interrupted"] = r.interrupted;
    result["nothing_left"] = r.nothing_left;
    result["iteration"] = r.state.iteration;
  };
  std::vector<const char*> argv{"svertka", "train"};
  for (const std::string& option : options) argv.push_back(option.c_str());
  {
    py::gil_scoped_release release;
    CLI::App app("svertka train from Python", "svertka");
    app.require_subcommand(1);
    cli::add_train_command(app, hooks);
    try {
      app.parse(int(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      throw ParamError(std::string("svertka.train: ") + e.what());
    }
  }
  if (pending.error) throw std::move(*pending.error);
  return result;
}

}  // namespace

void bind_train(py::module_& m) {
  using namespace pybind11::literals;
  m.def("_train", &run_train, "options"_a, "on_epoch"_a = py::none(),
        "`svertka train OPTIONS...` in this process; svertka.train is the documented entry.");
}

}  // namespace svertka::python
