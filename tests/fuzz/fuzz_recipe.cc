// TOML recipes (apps/svertka/recipe.h): read, then applied to the train and eval options as the
// CLI does.
#include "eval_options.h"
#include "fuzz_support.h"
#include "recipe.h"
#include "train_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svertka;
  const std::string path = fuzz::write_input(data, size, "recipe.toml");
  fuzz::expect_only_errors([&] {
    const cli::Recipe recipe = cli::load_recipe(path);
    CLI::App app;
    cli::TrainArgs train;
    cli::EvalArgs eval;
    CLI::App* train_cmd = app.add_subcommand("train");
    CLI::App* eval_cmd = app.add_subcommand("eval");
    cli::add_train_options(train_cmd, train);
    cli::add_eval_options(eval_cmd, eval);
    fuzz::expect_only_errors([&] { cli::apply_recipe(recipe, *train_cmd, cli::kRecipeTrain); });
    cli::apply_recipe(recipe, *eval_cmd, cli::kRecipeEval);
  });
  return 0;
}
