#!/usr/bin/env bash
# Full-size golden check (`make golden`): AlexNet 227, VGG-16 224 and GoogLeNet 224 against PyTorch.
# Writes the fixtures (~1.7 GB, not committed) with tools/golden.py --full into BUILD_DIR/golden-full,
# then runs Golden.FullSizeMatchesPyTorch on them, printing each model's logits, loss and
# per-parameter gradient errors. Takes a few minutes on a small machine.
# Usage: scripts/golden.sh BUILD_DIR        (PYTHON overrides the interpreter, default /usr/bin/python3:
#                                             Debian's, which has torch and torchvision)
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-/usr/bin/python3}
test_binary=$build/tests/golden_test
out=$build/golden-full

if [[ ! -x $test_binary ]]; then
  echo "golden.sh: $test_binary is missing; build first (make build, or cmake --build $build --target golden_test)" >&2
  exit 1
fi
if ! "$python" -c 'import torch, torchvision' 2>/dev/null; then
  echo "golden.sh: $python cannot import torch and torchvision (Debian: apt install python3-torch python3-torchvision)" >&2
  exit 1
fi

# Installs an optimised BLAS if missing and prints which BLAS and oneDNN ISA PyTorch uses.
"$python" "$root/bench/torch_env.py"
mkdir -p "$out"
echo "golden.sh: writing full-size fixtures into $out"
"$python" "$root/tools/golden.py" --full --out "$out"
echo "golden.sh: comparing svertka (cpu_dnnl) with them"
SVERTKA_GOLDEN_DIR=$out SVERTKA_GOLDEN_VERBOSE=1 "$test_binary" --gtest_filter=Golden.FullSizeMatchesPyTorch
