// The training state of a checkpoint: every field range-checked on load (a hostile or damaged file
// is a clear IoError naming the field, never a crash), and a resume of another run refused with
// each difference named.
#include "svertka/solver/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "op_test_helpers.h"
#include "svertka/builder.h"
#include "svertka/io/safetensors.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// (2,1,4,4) -> (2,3)  ip
NetSpec tiny_spec(int64_t batch, int64_t outputs = 3) {
  NetBuilder b("tiny");
  const std::string data = b.input("data", Shape{batch, 1, 4, 4});
  b.fc("ip", data, Fc(outputs));
  return b.build();
}

// A consistent state: 8 samples per update (batch 4, iter_size 2), 8 updates per epoch of 64.
TrainingState valid_state() {
  return {.iteration = 11,
          .epoch = 1,
          .epoch_position = 24,
          .seed = 7,
          .model = "tiny",
          .schedule = {.best_error = 0.5, .bad_evaluations = 1, .drops = 0},
          .run = {.train_samples = 64,
                  .batch = 4,
                  .iter_size = 2,
                  .ranks = 1,
                  .architecture = architecture_hash(tiny_spec(4))},
          .totals = {.loss = 6.5, .top1 = 1.5, .top5 = 5, .measure = 0, .updates = 3},
          .seconds = 12.5};
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("svertka_checkpoint_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "checkpoint.safetensors").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The state JSON of a checkpoint of valid_state(), for a test to damage.
  json saved_state() {
    Net net(tiny_spec(4));
    SgdSolver solver(net.params(), {.momentum = 0.9});
    save_checkpoint(path_, net, solver, valid_state());
    return json::parse(load_safetensors(path_).metadata.at("svertka_checkpoint"));
  }

  // Rewrites the checkpoint with `state` as its metadata and loads it.
  TrainingState load_with(const std::string& state) {
    SafetensorsContents file = load_safetensors(path_);
    save_safetensors(path_, file.tensors, {{"svertka_checkpoint", state}});
    Net net(tiny_spec(4));
    SgdSolver solver(net.params(), {.momentum = 0.9});
    return load_checkpoint(path_, net, solver);
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(CheckpointTest, StateRoundTripsExactly) {
  saved_state();
  const TrainingState loaded = load_with(load_safetensors(path_).metadata.at("svertka_checkpoint"));
  const TrainingState expected = valid_state();
  EXPECT_EQ(loaded.iteration, expected.iteration);
  EXPECT_EQ(loaded.epoch_position, expected.epoch_position);
  EXPECT_EQ(loaded.run.architecture, expected.run.architecture);
  EXPECT_EQ(loaded.run.iter_size, expected.run.iter_size);
  EXPECT_EQ(loaded.totals.loss, expected.totals.loss);
  EXPECT_EQ(loaded.totals.updates, expected.totals.updates);
  EXPECT_EQ(loaded.seconds, expected.seconds);
  EXPECT_EQ(loaded.schedule.best_error, expected.schedule.best_error);
}

// One damaged field: where it is (a JSON pointer), what it becomes, and what the message names.
struct BadField {
  std::string name;  // the test's name
  std::string pointer;
  json value;  // null with `remove`: the field is deleted
  std::string message;
  bool remove = false;
};

void PrintTo(const BadField& field, std::ostream* out) {
  *out << field.name;
}

class CheckpointFieldTest : public CheckpointTest,
                            public ::testing::WithParamInterface<BadField> {};

TEST_P(CheckpointFieldTest, IsAnIoErrorNamingTheFileAndField) {
  const BadField& bad = GetParam();
  json state = saved_state();
  if (bad.remove)
    state.at(json::json_pointer(bad.pointer).parent_pointer())
        .erase(json::json_pointer(bad.pointer).back());
  else
    state[json::json_pointer(bad.pointer)] = bad.value;
  SVERTKA_EXPECT_THROW_WITH(load_with(state.dump()), IoError, "checkpoint.safetensors",
                            bad.message.c_str());
}

// Built when the parameters are instantiated and copied with them, recursively: deeper than the
// readers' limit (kMaxDepth, 64) but not so deep that copying it overflows a sanitized build's
// stack (10,000 did, in `make test-asan`'s test discovery).
json deeply_nested(int depth) {
  return json::parse(std::string(size_t(depth), '[') + std::string(size_t(depth), ']'));
}

INSTANTIATE_TEST_SUITE_P(
    EveryField, CheckpointFieldTest,
    ::testing::Values(
        BadField{"OlderVersion", "/version", 1, "checkpoint version 1, expected 2"},
        BadField{"NegativeIteration", "/iteration", -1, "'iteration' is -1"},
        BadField{"FractionalIteration", "/iteration", 1.5, "'iteration' is 1.5, not an integer"},
        BadField{"HugeIteration", "/iteration", 1e300, "'iteration'"},
        BadField{"IterationPastInt64", "/iteration", uint64_t(1) << 63, "out of range"},
        BadField{"MissingIteration", "/iteration", nullptr, "'iteration' is missing", true},
        BadField{"NegativeEpoch", "/epoch", -1, "'epoch' is -1"},
        BadField{"EpochPastIterations", "/epoch", 12, "'epoch' is 12"},
        BadField{"NegativeEpochPosition", "/epoch_position", -8, "'epoch_position' is -8"},
        BadField{"EpochPositionPastTheData", "/epoch_position", 72,
                 "past the end of the recorded training set of 64"},
        BadField{"EpochPositionInsideAnUpdate", "/epoch_position", 20,
                 "not a whole number of updates of 8"},
        BadField{"NegativeSeed", "/seed", -7, "'seed'"},
        BadField{"TextSeed", "/seed", "7", "'seed'"},
        BadField{"EmptyModel", "/model", "", "'model'"},
        BadField{"NumericModel", "/model", 3, "'model'"},
        BadField{"NanBestError", "/plateau_best_error", nullptr, "'plateau_best_error'"},
        BadField{"NegativeBestError", "/plateau_best_error", -0.5, "'plateau_best_error'"},
        BadField{"NegativeBadEvaluations", "/plateau_bad_evaluations", -1,
                 "'plateau_bad_evaluations'"},
        BadField{"HugeDrops", "/plateau_drops", int64_t(1) << 40, "'plateau_drops'"},
        BadField{"MissingRun", "/run", nullptr, "'run' is missing", true},
        BadField{"ZeroTrainSamples", "/run/train_samples", 0, "'train_samples' is 0"},
        BadField{"ZeroBatch", "/run/batch", 0, "'batch' is 0"},
        BadField{"NegativeIterSize", "/run/iter_size", -2, "'iter_size' is -2"},
        BadField{"ZeroRanks", "/run/ranks", 0, "'ranks' is 0"},
        BadField{"ArchitectureNotHex", "/run/architecture", "not-a-hash", "'architecture'"},
        BadField{"LossNull", "/epoch_totals/loss", nullptr, "'loss'"},
        BadField{"NegativeTop1", "/epoch_totals/top1", -1, "'top1'"},
        BadField{"Top1PastTheBatches", "/epoch_totals/top1", 7, "'top1' exceeds"},
        BadField{"Top5PastTheBatches", "/epoch_totals/top5", 6.5, "'top5' exceeds"},
        BadField{"TextMeasure", "/epoch_totals/measure", "x", "'measure'"},
        BadField{"NegativeUpdates", "/epoch_totals/updates", -1, "'updates' is -1"},
        BadField{"UpdatesPastIterations", "/epoch_totals/updates", 12, "'updates' is 12"},
        BadField{"NegativeSeconds", "/seconds", -1, "'seconds'"},
        BadField{"DeeplyNestedSeconds", "/seconds", deeply_nested(200), "'seconds' is an array"}),
    [](const ::testing::TestParamInfo<BadField>& info) { return info.param.name; });

TEST_F(CheckpointTest, StateThatIsNotJsonIsAnIoError) {
  saved_state();
  SVERTKA_EXPECT_THROW_WITH(load_with("{\"version\": 2,"), IoError, "checkpoint.safetensors",
                            "not a JSON object");
}

TEST_F(CheckpointTest, InvalidStateLeavesTheNetUntouched) {
  json state = saved_state();
  state["epoch_position"] = -8;
  SafetensorsContents file = load_safetensors(path_);
  save_safetensors(path_, file.tensors, {{"svertka_checkpoint", state.dump()}});
  Net net(tiny_spec(4));
  net.init_params(3);
  const Tensor before = net.params()[0].value.to_host();
  SgdSolver solver(net.params(), {.momentum = 0.9});
  EXPECT_THROW(load_checkpoint(path_, net, solver), IoError);
  const Tensor after = net.params()[0].value.to_host();
  for (int64_t i = 0; i < before.numel(); ++i) ASSERT_EQ(before[i], after[i]);
}

TEST(CheckResumable, NamesEveryDifference) {
  const TrainingState saved = valid_state();
  TrainingState now = valid_state();
  now.run.train_samples = 32;
  now.run.batch = 8;
  now.seed = 9;
  now.run.architecture = architecture_hash(tiny_spec(8, 5));
  SVERTKA_EXPECT_THROW_WITH(check_resumable("run/checkpoint.safetensors", saved, now), ParamError,
                            "run/checkpoint.safetensors",
                            "training samples: 64 in the checkpoint, 32 now",
                            "samples per update: 8 (batch 4 x iter_size 2 x 1 ranks) in the "
                            "checkpoint, 16 (batch 8 x iter_size 2 x 1 ranks) now",
                            "seed: 7 in the checkpoint, 9 now", "architecture hash");
  EXPECT_NO_THROW(check_resumable("run/checkpoint.safetensors", saved, valid_state()));
}

TEST(CheckResumable, AcceptsAnotherSplitOfTheSameGlobalBatch) {
  TrainingState two_ranks = valid_state();  // batch 4 x iter_size 2 x 1 rank
  two_ranks.run.iter_size = 1;
  two_ranks.run.ranks = 2;
  EXPECT_NO_THROW(check_resumable("run/checkpoint.safetensors", valid_state(), two_ranks));
}

TEST(ArchitectureHash, IgnoresTheBatchButNotTheShapes) {
  EXPECT_EQ(architecture_hash(tiny_spec(4)), architecture_hash(tiny_spec(16)));
  EXPECT_NE(architecture_hash(tiny_spec(4)), architecture_hash(tiny_spec(4, 5)));
  EXPECT_EQ(architecture_hash(tiny_spec(4)).size(), 16u);
}

}  // namespace
}  // namespace svertka::testing
