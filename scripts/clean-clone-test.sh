#!/usr/bin/env bash
# What a new user does: a clean clone of this checkout's HEAD, then `make test` with the default
# flags (portable, warnings not fatal). Usage: scripts/clean-clone-test.sh [DIR]  (default: a
# temporary folder, removed afterwards)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$(mktemp -d)}
[[ $# -ge 1 ]] || trap 'rm -rf "$dir"' EXIT
git clone -q "$root" "$dir/svertka"
echo "clean-clone-test: $(git -C "$dir/svertka" log --oneline -1) in $dir/svertka"
make -C "$dir/svertka" test
