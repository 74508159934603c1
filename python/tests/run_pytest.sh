#!/usr/bin/env bash
# ctest's Python.Pytest: the module's pytest suite against the build tree's package.
# Usage: run_pytest.sh BUILD_DIR SVERTKA_CLI MODULE_BUILT(ON|OFF) PYTHON [PYTEST OPTIONS...]
# Exits 77 (ctest: skipped) when the module was not built or pytest is missing, saying why.
set -euo pipefail
build=$1 cli=$2 built=$3 python=${4:-}
if [[ "$built" != "ON" ]]; then
  echo "svertka: skipped: the Python module was not built (CMake found no pybind11 or numpy;" \
       "apt-get install pybind11-dev python3-pybind11 python3-numpy python3-pytest)"
  exit 77
fi
if ! "$python" -c "import pytest" 2>/dev/null; then
  echo "svertka: skipped: no pytest for $python (apt-get install python3-pytest)"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}" SVERTKA_CLI="$cli"
exec "$python" -m pytest -q -p no:cacheprovider "$here" "${@:5}"
