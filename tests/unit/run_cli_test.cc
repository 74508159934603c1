// run_cli: every exception a subcommand lets out becomes a message and an exit code; none ends
// in std::terminate.
#include "run_cli.h"

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <vector>

#include "svertka/error.h"

namespace svertka::cli {
namespace {

struct Outcome {
  int code;
  std::string stderr_text;
};

Outcome run_throwing(const std::function<void()>& body) {
  CLI::App app("test", "svertka");
  app.require_subcommand(1);
  app.add_subcommand("go", "throws")->callback(body);
  const char* argv[] = {"svertka", "go"};
  ::testing::internal::CaptureStderr();
  const int code = run_cli(app, 2, argv);
  return {code, ::testing::internal::GetCapturedStderr()};
}

TEST(RunCli, SvertkaErrorsPrintTheirMessage) {
  const Outcome param = run_throwing([] { throw ParamError("layer 'x': bad stride"); });
  EXPECT_EQ(param.code, kExitError);
  EXPECT_EQ(param.stderr_text, "svertka: layer 'x': bad stride\n");
  const Outcome missing = run_throwing([] { throw NotFoundError("no model 'y'"); });
  EXPECT_EQ(missing.code, kExitNotFound);
  EXPECT_EQ(missing.stderr_text, "svertka: no model 'y'\n");
}

TEST(RunCli, AnyOtherExceptionIsAnInternalErrorNotATerminate) {
  const Outcome out_of_range = run_throwing([] { (void)std::vector<int>{}.at(3); });
  EXPECT_EQ(out_of_range.code, kExitInternalError);
  EXPECT_NE(out_of_range.stderr_text.find("svertka: internal error: "), std::string::npos)
      << out_of_range.stderr_text;
  const Outcome unknown = run_throwing([] { throw 42; });
  EXPECT_EQ(unknown.code, kExitInternalError);
  EXPECT_NE(unknown.stderr_text.find("unknown type"), std::string::npos) << unknown.stderr_text;
}

TEST(RunCli, ASuccessfulCommandExitsZero) {
  EXPECT_EQ(run_throwing([] {}).code, 0);
}

}  // namespace
}  // namespace svertka::cli
