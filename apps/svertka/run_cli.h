// The CLI's one place where errors become messages and exit codes (the library only throws).
#pragma once

#include <CLI/CLI.hpp>

namespace svertka::cli {

// Exit codes of `svertka`.
inline constexpr int kExitError = 1;          // a svertka::Error: bad input, parameters, files
inline constexpr int kExitNotFound = 2;       // a NotFoundError: unknown model, layer, blob, file
inline constexpr int kExitInternalError = 3;  // anything else escaped: a bug in svertka

// Parses the command line and runs the chosen subcommand; returns its exit code. Usage errors are
// reported as CLI11 reports them; a svertka::Error prints its message after "svertka: "; any
// other exception prints "svertka: internal error: " and its message instead of terminating.
int run_cli(CLI::App& app, int argc, const char* const* argv);

}  // namespace svertka::cli
