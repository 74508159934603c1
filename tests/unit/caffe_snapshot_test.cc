// Caffe's snapshots: .solverstate + .caffemodel written by another tool (Python's protobuf with
// Caffe's field numbers, tools/caffe_solverstate.py) resume with Caffe's history layout; svertka's
// own are read back by that tool; a run snapshotted halfway and resumed with
// --resume X.solverstate ends bitwise where the uninterrupted run ends, for every solver type;
// hostile or mismatched states are IoErrors naming the file.
#include "svertka/io/caffe_snapshot.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "caffe.pb.h"
#include "commands.h"
#include "image_test_helpers.h"
#include "run_cli.h"
#include "svertka/data/caffe_datum.h"
#include "svertka/data/lmdb.h"
#include "svertka/error.h"
#include "svertka/io/atomic_file.h"
#include "svertka/io/caffe.h"

namespace svertka::testing {
namespace {

namespace fs = std::filesystem;

// Input (1,1,4,4) -> conv 2x3x3 -> (1,2,2,2) -> ip 3: parameters conv (2,1,3,3) + (2), ip (3,8)
// + (3), in Caffe's learnable-parameter order.
const char* kNet = R"(name: "snap"
layer { name: "data" type: "Input" top: "data" top: "label"
  input_param { shape { dim: 1 dim: 1 dim: 4 dim: 4 } shape { dim: 1 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 2 kernel_size: 3 } }
layer { name: "ip" type: "InnerProduct" bottom: "conv" top: "ip"
  inner_product_param { num_output: 3 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)";
const char* kBlobs[] = {"conv:2x1x3x3:2", "ip:3x8:3"};

bool have_python_protobuf() {
  return std::system("/usr/bin/python3 -c 'import google.protobuf' 2>/dev/null") == 0;
}

#define NEED_PYTHON_PROTOBUF() \
  if (!have_python_protobuf()) \
  GTEST_SKIP() << "Python's protobuf module is missing (Debian: python3-protobuf; make deps)"

// tools/caffe_solverstate.py with `args`; its standard output.
std::string python(const std::string& args) {
  const std::string command =
      "/usr/bin/python3 " SVERTKA_SOURCE_DIR "/tools/caffe_solverstate.py " + args;
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (!pipe) return out;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
  EXPECT_EQ(pclose(pipe), 0) << command;
  return out;
}

void write_with_python(const std::string& prefix, int iteration, int buffers,
                       const std::string& hostile = "") {
  python(fmt::format("write {} {} {} {} {}{}", prefix, iteration, buffers, kBlobs[0], kBlobs[1],
                     hostile.empty() ? "" : " --hostile " + hostile));
}

struct SmallRun {
  NetSpec spec;
  Net net;
  SgdSolver solver;
  explicit SmallRun(const std::string& dir, SolverType type)
      : spec(net_spec(dir)),
        net(spec, {.phase = Phase::kTrain}),
        solver(net.params(), {.type = type}, net.device()) {}
  static NetSpec net_spec(const std::string& dir) {
    std::ofstream(dir + "/snap.prototxt") << kNet;
    return load_caffe_net(dir + "/snap.prototxt", {.phase = Phase::kTrain}).spec;
  }
};

TEST(CaffeSnapshot, ResumesAStateWrittenByPythonInCaffesLayout) {
  NEED_PYTHON_PROTOBUF();
  for (const SolverType type : {SolverType::kSgd, SolverType::kAdam, SolverType::kAdaDelta}) {
    TempDir dir;
    SmallRun run(dir.path(), type);
    ASSERT_EQ(run.net.params().size(), 4u);
    const int buffers = history_buffers(type);
    write_with_python(dir / "caffe_iter_7", 7, buffers);
    const CaffeSolverState state = restore_caffe_solverstate(dir / "caffe_iter_7.solverstate",
                                                             run.spec, run.net, run.solver, {});
    EXPECT_EQ(state.iteration, 7);
    EXPECT_EQ(state.learned_net, dir / "caffe_iter_7.caffemodel");  // found next to the state
    for (size_t k = 0; k < 4; ++k) {
      const Tensor& w = run.net.params()[k].value;
      for (int64_t i = 0; i < w.numel(); ++i)
        ASSERT_EQ(w[i], float(0.25 * double(k) + 0.001 * double(i))) << k << " " << i;
      for (int b = 0; b < buffers; ++b) {
        const Tensor& h = run.solver.history(b)[k];
        ASSERT_EQ(h.shape(), w.shape());
        for (int64_t i = 0; i < h.numel(); ++i)
          ASSERT_EQ(h[i], float(1 + b + 0.5 * double(k) + 0.0001 * double(i)))
              << solver_type_name(type) << " buffer " << b << " param " << k;
      }
    }
  }
}

// The other way: svertka's state read by Python with Caffe's numbers.
TEST(CaffeSnapshot, WritesCaffesLayoutAsPythonReadsIt) {
  NEED_PYTHON_PROTOBUF();
  TempDir dir;
  SmallRun run(dir.path(), SolverType::kAdam);
  for (int b = 0; b < 2; ++b)
    for (size_t k = 0; k < 4; ++k) {
      Tensor& h = run.solver.history(b)[k];
      for (int64_t i = 0; i < h.numel(); ++i) h[i] = float(b * 10 + int(k)) + 0.5f;
    }
  const LrScheduleOptions multistep{.kind = LrScheduleOptions::Kind::kMultiStep,
                                    .milestones = {2, 3, 9}};
  const std::string path = save_caffe_snapshot(dir / "ours", run.spec, run.net, run.solver, 5,
                                               caffe_current_step(multistep, 5));
  EXPECT_EQ(path, dir / "ours_iter_5.solverstate");
  std::istringstream lines(python("read " + path));
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), 3u + 8u);
  EXPECT_EQ(rows[0], "5");
  EXPECT_EQ(rows[1], "2");  // stepvalues 2 and 3 passed by iteration 4
  EXPECT_EQ(rows[2], dir / "ours_iter_5.caffemodel");
  const std::array<std::string, 4> dims = {"2x1x3x3", "2", "3x8", "3"};
  const std::array<double, 4> counts = {18, 2, 24, 3};
  for (size_t r = 0; r < 8; ++r) {
    const size_t b = r / 4, k = r % 4;
    std::istringstream row(rows[3 + r]);
    std::string shape;
    double sum = 0;
    row >> shape >> sum;
    EXPECT_EQ(shape, dims[k]) << r;
    EXPECT_DOUBLE_EQ(sum, counts[k] * (double(b * 10 + k) + 0.5)) << r;
  }
  EXPECT_EQ(caffe_current_step({.kind = LrScheduleOptions::Kind::kStep, .step_size = 3}, 7), 2);
}

// Each hostile state: an IoError naming the file, the net and solver left as they were.
TEST(CaffeSnapshot, HostileOrMismatchedStatesAreIoErrorsNamingTheFile) {
  NEED_PYTHON_PROTOBUF();
  TempDir dir;
  SmallRun run(dir.path(), SolverType::kAdam);
  run.net.init_params(3);
  const Tensor before = run.net.params()[0].value.clone();
  const auto expect_io_error = [&](const std::string& path, const std::string& words,
                                   const LrScheduleOptions& schedule = {}) {
    try {
      restore_caffe_solverstate(path, run.spec, run.net, run.solver, schedule);
      ADD_FAILURE() << path << " was accepted";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
    EXPECT_EQ(std::memcmp(before.data(), run.net.params()[0].value.data(), before.bytes()), 0);
  };
  write_with_python(dir / "sgd_iter_4", 4, 1);  // an SGD state: half of Adam's history
  expect_io_error(dir / "sgd_iter_4.solverstate", "4 history blobs; the Adam solver");
  write_with_python(dir / "count_iter_4", 4, 2, "count");
  expect_io_error(dir / "count_iter_4.solverstate", "7 history blobs");
  write_with_python(dir / "shape_iter_4", 4, 2, "shape");
  expect_io_error(dir / "shape_iter_4.solverstate", "history blob 0 (of parameter 'conv.weight')");
  write_with_python(dir / "nonet_iter_4", 4, 2, "nonet");
  expect_io_error(dir / "nonet_iter_4.solverstate", "names no learned_net");
  write_with_python(dir / "iter_iter_4", 4, 2, "iter");
  expect_io_error(dir / "iter_iter_4.solverstate", "iter -1");
  write_with_python(dir / "gone_iter_4", 4, 2);
  fs::remove(dir / "gone_iter_4.caffemodel");
  expect_io_error(dir / "gone_iter_4.solverstate", "learned_net 'gone_iter_4.caffemodel'");
  std::ofstream(dir / "junk.solverstate") << "not a protobuf \x0b";
  expect_io_error(dir / "junk.solverstate", "not a valid binary");
  expect_io_error(dir / "x.solverstate.h5", "HDF5");
  write_with_python(dir / "step_iter_4", 4, 2);  // current_step 0, but 2 stepvalues passed
  expect_io_error(dir / "step_iter_4.solverstate", "current_step 0 at iteration 4",
                  {.kind = LrScheduleOptions::Kind::kMultiStep, .milestones = {1, 2}});
  // Caffe's legacy num/channels/height/width form of a history blob is read.
  write_with_python(dir / "legacy_iter_4", 4, 2, "legacy");
  EXPECT_EQ(restore_caffe_solverstate(dir / "legacy_iter_4.solverstate", run.spec, run.net,
                                      run.solver, {})
                .iteration,
            4);
}

TEST(CaffeSnapshot, Hdf5SnapshotFormatIsRefusedNamingFileAndLine) {
  TempDir dir;
  std::ofstream(dir / "solver.prototxt") << "net: \"n.prototxt\"\nbase_lr: 0.1\nmax_iter: 2\n"
                                            "snapshot_format: HDF5\n";
  try {
    load_caffe_solver(dir / "solver.prototxt");
    FAIL() << "HDF5 was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "solver.prototxt:4: snapshot_format HDF5"),
              std::string::npos)
        << e.what();
  }
}

int run_svertka(std::vector<std::string> args) {
  CLI::App app;
  cli::add_train_command(app);
  args.insert(args.begin(), "svertka");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  ::testing::internal::CaptureStdout();
  const int code = cli::run_cli(app, int(argv.size()), argv.data());
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0) << out;
  return code;
}

// 24 random 1x8x8 records of 3 classes: 6 updates of batch 4 per epoch.
void write_lmdb(const std::string& path) {
  LmdbWriter db(path);
  for (int i = 0; i < 24; ++i) {
    Datum d{.channels = 1, .height = 8, .width = 8, .label = i % 3};
    for (int p = 0; p < 64; ++p) d.data.push_back(uint8_t((p * 37 + i * 101) % 256));
    db.put(fmt::format("{:08d}", i), serialize_datum(d));
  }
}

const char* kTrainNet = R"(name: "resume"
layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 mirror: true crop_size: 6 }
  data_param { source: "db" batch_size: 4 backend: LMDB } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "drop" type: "Dropout" bottom: "conv" top: "conv" dropout_param { dropout_ratio: 0.3 } }
layer { name: "ip" type: "InnerProduct" bottom: "conv" top: "ip"
  param { lr_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
)";

void expect_bitwise_equal(const std::string& a, const std::string& b) {
  caffe::NetParameter na, nb;
  ASSERT_TRUE(na.ParseFromString(read_file(a))) << a;
  ASSERT_TRUE(nb.ParseFromString(read_file(b))) << b;
  ASSERT_EQ(na.layer_size(), nb.layer_size());
  int blobs = 0;
  for (int l = 0; l < na.layer_size(); ++l) {
    ASSERT_EQ(na.layer(l).blobs_size(), nb.layer(l).blobs_size());
    for (int i = 0; i < na.layer(l).blobs_size(); ++i, ++blobs)
      EXPECT_EQ(na.layer(l).blobs(i).SerializeAsString(), nb.layer(l).blobs(i).SerializeAsString())
          << "layer '" << na.layer(l).name() << "' blob " << i << ": " << a << " and " << b;
  }
  EXPECT_EQ(blobs, 4);
  // The states too, but for the learned_net paths.
  caffe::SolverState sa, sb;
  ASSERT_TRUE(sa.ParseFromString(read_file(fs::path(a).replace_extension(".solverstate"))));
  ASSERT_TRUE(sb.ParseFromString(read_file(fs::path(b).replace_extension(".solverstate"))));
  EXPECT_EQ(sa.iter(), sb.iter());
  EXPECT_EQ(sa.current_step(), sb.current_step());
  ASSERT_EQ(sa.history_size(), sb.history_size());
  for (int i = 0; i < sa.history_size(); ++i)
    EXPECT_EQ(sa.history(i).SerializeAsString(), sb.history(i).SerializeAsString())
        << "history blob " << i << " of " << a << " and " << b;
}

// N updates in one run equal N/2, a snapshot, --resume X.solverstate and N/2 more, bitwise, for
// each solver type: through a snapshot in an epoch (3) and one at an epoch's end (6).
TEST(CaffeSnapshot, ResumedRunEndsBitwiseWhereTheUninterruptedOneEnds) {
  TempDir dir;
  write_lmdb(dir / "db");
  std::ofstream(dir / "net.prototxt") << kTrainNet;
  for (const char* type : {"SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"}) {
    const bool takes_momentum = std::string(type) != "AdaGrad" && std::string(type) != "RMSProp";
    const std::string solver = dir / fmt::format("{}.prototxt", type);
    std::ofstream(solver) << fmt::format(
        "net: \"net.prototxt\"\nbase_lr: 0.05\nlr_policy: \"step\"\nstepsize: 4\ngamma: 0.5\n"
        "momentum: {}\nweight_decay: 0.001\nmax_iter: 9\nsnapshot: 3\ntype: \"{}\"\n"
        "random_seed: 5\n",
        takes_momentum ? 0.9 : 0.0, type);
    const std::string whole = dir / type;  // the solver's snapshot_prefix: its file's stem
    // --resume=false (a flag's value, as the Python module passes it) is no solver state.
    ASSERT_EQ(run_svertka({"train", "--solver", solver, "--out", dir / "run", "--workers", "1",
                           "--resume=false"}),
              0);
    for (const int from : {3, 6}) {
      const std::string resumed = dir / fmt::format("{}_from{}", type, from);
      ASSERT_EQ(
          run_svertka({"train", "--solver", solver, "--resume",
                       fmt::format("{}_iter_{}.solverstate", whole, from), "--snapshot-prefix",
                       resumed, "--out", dir / "run2", "--workers", "1"}),
          0);
      for (int at = from + 3; at <= 9; at += 3)
        expect_bitwise_equal(fmt::format("{}_iter_{}.caffemodel", whole, at),
                             fmt::format("{}_iter_{}.caffemodel", resumed, at));
    }
  }
}

}  // namespace
}  // namespace svertka::testing
