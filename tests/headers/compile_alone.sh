#!/usr/bin/env bash
# Each header given compiles on its own with only svertka's include/ folder (and the system's):
# what a program embedding svertka needs, without the private dependencies' headers (OpenCV's
# live in /usr/include/opencv4, off the default path).
# Usage: compile_alone.sh CXX INCLUDE_DIR HEADER...
set -uo pipefail
cxx=$1 include=$2
shift 2
failed=0
for header in "$@"; do
  if ! echo "#include \"$header\"" | "$cxx" -std=c++20 -fsyntax-only -x c++ -I"$include" -; then
    echo "$header does not compile with $include alone"
    failed=1
  fi
done
exit $failed
