// Recipes: a training run's settings in a TOML file (docs/RECIPES.md), so that a paper's run is one
// command and adapting it to other data is an edit of that file:
//
//   model = "alexnet"            # top level
//   [data]     data, lists, mean, resize, scale, crop, channel order   (train and eval)
//   [solver]   epochs, batch, lr, schedule, momentum, weight_decay, seed, ...   (train)
//   [augment]  pad, mirror, scale_max, pca_colour, crop_area, colour_jitter, ...  (train)
//   [init]     init_from, init_layers   (train)
//   [eval]     crops, scales, batch     (eval)
//
// Every key is the command-line option of the same name ("weight_decay" = --weight-decay), and its
// value goes through that option's own conversion and checks: the options of train_options.h and
// eval_options.h stay the one definition of what a setting means. Options given on the command
// line override the recipe. Unknown sections and keys, wrong value types and values an option
// rejects are ParamErrors naming the file, line and key.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace svertka::cli {

// The subcommands a key sets (a bit mask).
enum RecipeCommand : unsigned { kRecipeTrain = 1, kRecipeEval = 2 };

// The TOML type a key takes.
enum class RecipeType { kString, kInteger, kNumber, kBool, kStrings, kIntegers, kNumbers };

struct RecipeKey {
  std::string_view section;  // "" at the top level
  std::string_view key;
  RecipeType type;
  unsigned commands;
  std::string flag() const;  // "--" + key, '_' as '-'
};

// Every key a recipe may hold: the one table of how a recipe maps onto the options.
const std::vector<RecipeKey>& recipe_keys();

struct RecipeEntry {
  const RecipeKey* key = nullptr;
  std::vector<std::string> values;  // as they would be given on the command line
  std::string origin;               // "recipes/alexnet.toml:12"
  std::string text;                 // the value as written, for messages
};

struct Recipe {
  std::string path;
  std::vector<RecipeEntry> entries;
};

// Reads and checks a recipe. NotFoundError if the file is missing; ParamError naming the file and
// line for TOML syntax errors, unknown sections or keys, and values of the wrong type.
Recipe load_recipe(const std::string& path);

// Sets each option of `cmd` (the subcommand `command`) that the command line left unset to the
// recipe's value, through the option's conversion and checks; ParamError naming the file, line and
// key when the option rejects it.
void apply_recipe(const Recipe& recipe, CLI::App& cmd, RecipeCommand command);

// The options of `from` given on its command line that the subcommand `to` shares (per the table),
// as "--flag value..." arguments, for printing a follow-up command such as the eval after a train.
std::vector<std::string> shared_command_line(const CLI::App& from, RecipeCommand from_command,
                                             RecipeCommand to);

// Arguments joined into a line a POSIX shell reads back as the same arguments.
std::string shell_command(const std::vector<std::string>& args);

}  // namespace svertka::cli
