// CLI11 validators shared by the subcommands, so that a value is checked where its option is
// defined: on the command line and in a recipe alike (recipe.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "svertka/error.h"

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

}  // namespace svertka::cli
