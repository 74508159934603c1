// Caffe's update rules against PyTorch's optimisers where the two define the same update
// (tools/solver_torch_fixture.py wrote tests/golden/solver_torch.json with torch 1.13): five steps
// of a fixed gradient sequence on four weights, the weights after each step compared. How the two
// differ elsewhere (the rate inside or outside SGD's momentum, Adam's eps) is in
// include/svertka/solver/sgd.h; the fixture chooses settings where they coincide.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "svertka/solver/sgd.h"

namespace svertka::testing {
namespace {

TEST(SolverVsTorch, EveryUpdateRuleMatchesTorchOptimWhereTheyDefineTheSameThing) {
  std::ifstream in(SVERTKA_SOURCE_DIR "/tests/golden/solver_torch.json");
  ASSERT_TRUE(in) << "tests/golden/solver_torch.json is missing";
  const nlohmann::json fixture = nlohmann::json::parse(in);
  const std::vector<double> w0 = fixture["w0"];
  const std::vector<std::vector<double>> gradients = fixture["gradients"];
  ASSERT_EQ(fixture["cases"].size(), 6u);
  for (const auto& [name, c] : fixture["cases"].items()) {
    const nlohmann::json& o = c["svertka"];
    SgdOptions options{.type = parse_solver_type(o["type"]),
                       .momentum = o.value("momentum", 0.0),
                       .weight_decay = o.value("weight_decay", 0.0),
                       .delta = o.value("delta", 1e-8),
                       .momentum2 = o.value("momentum2", 0.999),
                       .rms_decay = o.value("rms_decay", 0.99)};
    std::vector<Parameter> params(1);
    params[0].name = "w";
    params[0].value = Tensor(Shape{int64_t(w0.size())});
    params[0].grad = Tensor(Shape{int64_t(w0.size())});
    for (size_t i = 0; i < w0.size(); ++i) params[0].value[int64_t(i)] = float(w0[i]);
    SgdSolver solver(params, options);
    for (size_t step = 0; step < gradients.size(); ++step) {
      for (size_t i = 0; i < w0.size(); ++i) params[0].grad[int64_t(i)] = float(gradients[step][i]);
      solver.step(o["lr"].get<double>(), int64_t(step));
      const std::vector<double> torch_w = c["weights"][step];
      for (size_t i = 0; i < w0.size(); ++i)
        EXPECT_NEAR(params[0].value[int64_t(i)], torch_w[i], 2e-6)
            << name << " step " << step + 1 << " weight " << i;
    }
  }
}

}  // namespace
}  // namespace svertka::testing
