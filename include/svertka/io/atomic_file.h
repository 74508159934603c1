// Whole-file reads, and writes that replace a file only once its new contents are on disk, so that
// a crash or a failed write never leaves a half-written checkpoint behind.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace svertka {

// Writes `path` through `write`: the stream goes to `<path>.tmp.<pid>` in the same directory, which
// is flushed, fsynced and renamed over `path`; then the directory is fsynced. On any failure the
// temporary file is removed and an existing `path` is left as it was. An OS failure throws IoError
// naming `path` and the OS error; an exception thrown by `write` propagates unchanged.
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

// The whole contents of `path`. Throws IoError "cannot open <path>: <OS error>" (or "cannot read").
std::string read_file(const std::string& path);

}  // namespace svertka
