// Whole-file reads, and writes that replace a file only once its new contents are on disk, so that
// a crash or a failed write never leaves a half-written checkpoint behind.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace svertka {

// Writes `path` through `write`: the stream goes to `<path>.tmp.<pid>` in the same directory, which
// is flushed, fsynced and renamed over `path`; then the directory is fsynced. On any failure the
// temporary file is removed and an existing `path` is left as it was. An OS failure throws IoError
// naming `path` and the OS error; an exception thrown by `write` propagates unchanged.
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

// Removes from `dir` the temporary files of writes that were killed (`<name>.tmp.<pid>`, regular
// files) whose process no longer exists or is this one (which is not writing there at the time of
// the call); a live process's file may be its write in progress and stays. Returns the paths
// removed. A file that cannot be removed is left (the next write of that name replaces it).
std::vector<std::string> remove_stale_temporaries(const std::string& dir);

// fsync of directory `dir`, so that entries created or renamed in it survive a crash; IoError
// naming it when it cannot be opened or synced (a file system that cannot sync directories at
// all is accepted).
void sync_directory(const std::string& dir);

// The whole contents of `path`. Throws IoError "cannot open <path>: <OS error>" (or "cannot read").
std::string read_file(const std::string& path);

}  // namespace svertka
