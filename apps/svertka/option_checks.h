// CLI11 validators shared by the subcommands, so that a value is checked where its option is
// defined: on the command line and in a recipe alike (recipe.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "svertka/error.h"
#include "svertka/precision.h"

namespace svertka::cli {

// Accepts what `parse` (a function of the text that throws svertka::Error) accepts; otherwise the
// parser's message is the validation error.
template <typename Parse>
CLI::Validator parses_with(Parse parse, const std::string& description) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const Error& e) {
          return e.what();
        }
      },
      description);
}

// --precision fp32|bf16 (precision.h), parsed into `precision`: train, eval, predict, extract,
// bench. The option keeps the name as given, so that train's printed eval command repeats it.
inline CLI::Option* add_precision_option(CLI::App* cmd, Precision& precision) {
  return cmd
      ->add_option_function<std::string>(
          "--precision", [&precision](const std::string& name) { precision = parse_precision(name); },
          "fp32 (default) or bf16: convolutions and inner products round their operands to "
          "bfloat16 and accumulate in fp32 (weights, SGD and losses stay fp32)")
      ->check(parses_with(parse_precision, "fp32|bf16"));
}

}  // namespace svertka::cli
