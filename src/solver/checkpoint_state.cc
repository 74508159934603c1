#include "solver/checkpoint_state.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "svertka/error.h"

namespace svertka {
namespace {

using nlohmann::json;
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();

// A value for a message: scalars as written (strings cut short), containers by their kind alone
// (serialising a hostile nesting would recurse without bound).
std::string shown(const json& value) {
  if (!value.is_primitive()) return std::string("an ") + value.type_name();
  const std::string text = value.dump();
  return text.size() <= 40 ? text : text.substr(0, 40) + "...";
}

// Reads the fields of one state object, each checked before use.
class FieldReader {
 public:
  FieldReader(const json& object, const std::string& path) : object_(object), path_(path) {}

  int64_t integer(const char* key, int64_t min, int64_t max = kIntMax) const {
    const json& value = at(key);
    if (!value.is_number_integer()) fail(key, "is " + shown(value) + ", not an integer");
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(kIntMax))
      fail(key, "is " + shown(value) + ", out of range");
    const int64_t v = value.get<int64_t>();
    if (v < min || v > max)
      fail(key, "is " + std::to_string(v) + ", outside [" + std::to_string(min) + ", " +
                    std::to_string(max) + "]");
    return v;
  }

  uint64_t unsigned_integer(const char* key) const {
    const json& value = at(key);
    if (!value.is_number_unsigned()) fail(key, "is " + shown(value) + ", not an unsigned integer");
    return value.get<uint64_t>();
  }

  // A finite number not below `min`.
  double number(const char* key, double min = -std::numeric_limits<double>::max()) const {
    const json& value = at(key);
    if (!value.is_number()) fail(key, "is " + shown(value) + ", not a number");
    const double v = value.get<double>();
    if (!std::isfinite(v) || v < min)
      fail(key, "is " + shown(value) + (std::isfinite(v) ? ", below the least allowed" : ""));
    return v;
  }

  std::string string(const char* key) const {
    const json& value = at(key);
    if (!value.is_string() || value.get<std::string>().empty())
      fail(key, "is " + shown(value) + ", not a non-empty string");
    return value.get<std::string>();
  }

  FieldReader object(const char* key) const {
    const json& value = at(key);
    if (!value.is_object()) fail(key, "is " + shown(value) + ", not an object");
    return FieldReader(value, path_);
  }

  [[noreturn]] void fail(const char* key, const std::string& what) const {
    throw IoError(path_ + ": checkpoint field '" + key + "' " + what);
  }

 private:
  const json& at(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end()) fail(key, "is missing");
    return *it;
  }

  const json& object_;
  const std::string& path_;
};

RunSignature read_signature(const FieldReader& f) {
  RunSignature run{.train_samples = f.integer("train_samples", 1),
                   .batch = f.integer("batch", 1),
                   .iter_size = f.integer("iter_size", 1),
                   .ranks = f.integer("ranks", 1, std::numeric_limits<int>::max()),
                   .architecture = f.string("architecture")};
  if (run.architecture.size() != 16 ||
      run.architecture.find_first_not_of("0123456789abcdef") != std::string::npos)
    f.fail("architecture", "is '" + run.architecture + "', not 16 hex digits");
  return run;
}

// Totals of at most `batches_limit` batches.
EpochTotals read_totals(const FieldReader& f, int64_t iteration, const RunSignature& run) {
  EpochTotals t{.loss = f.number("loss"),
                .top1 = f.number("top1", 0),
                .top5 = f.number("top5", 0),
                .measure = f.number("measure"),
                .updates = f.integer("updates", 0, iteration)};
  const double batches = double(t.updates) * double(run.iter_size) * double(run.ranks);
  if (t.top1 > batches)
    f.fail("top1", "exceeds the epoch's " + std::to_string(batches) + " batches");
  if (t.top5 > batches)
    f.fail("top5", "exceeds the epoch's " + std::to_string(batches) + " batches");
  return t;
}

void check_position(const FieldReader& f, const TrainingState& s) {
  const int64_t per_update = s.run.batch * s.run.iter_size * s.run.ranks;
  if (s.epoch_position > s.run.train_samples)
    f.fail("epoch_position", "is " + std::to_string(s.epoch_position) +
                                 ", past the end of the recorded training set of " +
                                 std::to_string(s.run.train_samples) + " samples");
  if (s.epoch_position % per_update != 0)
    f.fail("epoch_position", "is " + std::to_string(s.epoch_position) +
                                 ", not a whole number of updates of " +
                                 std::to_string(per_update) + " samples");
}

}  // namespace

std::string encode_training_state(const TrainingState& s) {
  const json run{{"train_samples", s.run.train_samples},
                 {"batch", s.run.batch},
                 {"iter_size", s.run.iter_size},
                 {"ranks", s.run.ranks},
                 {"architecture", s.run.architecture}};
  const json totals{{"loss", s.totals.loss},
                    {"top1", s.totals.top1},
                    {"top5", s.totals.top5},
                    {"measure", s.totals.measure},
                    {"updates", s.totals.updates}};
  const json state{{"version", kCheckpointVersion},
                   {"iteration", s.iteration},
                   {"epoch", s.epoch},
                   {"epoch_position", s.epoch_position},
                   {"seed", s.seed},
                   {"model", s.model},
                   {"plateau_best_error", s.schedule.best_error},
                   {"plateau_bad_evaluations", s.schedule.bad_evaluations},
                   {"plateau_drops", s.schedule.drops},
                   {"run", run},
                   {"epoch_totals", totals},
                   {"seconds", s.seconds}};
  return state.dump();
}

TrainingState decode_training_state(const std::string& text, const std::string& path) {
  const json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) throw IoError(path + ": the checkpoint state is not a JSON object");
  const FieldReader f(parsed, path);
  const int64_t version = f.integer("version", 0);
  if (version != kCheckpointVersion)
    throw IoError(path + ": checkpoint version " + std::to_string(version) + ", expected " +
                  std::to_string(kCheckpointVersion) +
                  (version < kCheckpointVersion
                       ? " (an older checkpoint cannot be resumed; --init-from still reads its "
                         "weights)"
                       : ""));
  TrainingState s;
  s.iteration = f.integer("iteration", 0);
  s.epoch = f.integer("epoch", 0, s.iteration);
  s.epoch_position = f.integer("epoch_position", 0);
  s.seed = f.unsigned_integer("seed");
  s.model = f.string("model");
  constexpr int64_t kIntLimit = std::numeric_limits<int>::max();
  s.schedule = {.best_error = f.number("plateau_best_error", 0),
                .bad_evaluations = int(f.integer("plateau_bad_evaluations", 0, kIntLimit)),
                .drops = int(f.integer("plateau_drops", 0, kIntLimit))};
  s.run = read_signature(f.object("run"));
  check_position(f, s);
  s.totals = read_totals(f.object("epoch_totals"), s.iteration, s.run);
  s.seconds = f.number("seconds", 0);
  return s;
}

}  // namespace svertka
