#include "run_cli.h"

#include <cstdio>
#include <exception>

#include "svertka/error.h"

namespace svertka::cli {

int run_cli(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const NotFoundError& e) {
    std::fprintf(stderr, "svertka: %s\n", e.what());
    return kExitNotFound;
  } catch (const Error& e) {
    std::fprintf(stderr, "svertka: %s\n", e.what());
    return kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "svertka: internal error: %s\n", e.what());
    return kExitInternalError;
  } catch (...) {
    std::fprintf(stderr, "svertka: internal error: an exception of unknown type\n");
    return kExitInternalError;
  }
}

}  // namespace svertka::cli
