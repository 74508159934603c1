#!/usr/bin/env bash
# The one prepared check of the CUDA backend on a GPU machine (docs/GPU.md). Two steps:
#
#   scripts/gpu_check.sh --prepare      on the build machine, in the checkout the device tool sends:
#       fills .gpu_check/ (git-ignored through .git/info/exclude, about 32 MiB) with what the GPU
#       machine lacks: fmt and nlohmann-json headers, zlib's header and static library (the core's
#       only dependencies beyond the compiler), and Fashion-MNIST's IDX files.
#
#   scripts/gpu_check.sh [--quick]      on the GPU machine (device tool: carry [".gpu_check"],
#       timeout 480 s): configures the core + cpu_ref + CUDA build (SVERTKA_CORE_ONLY, no Debian
#       -dev package needed), builds svertka_gpu_check, runs it (kernels vs cpu_ref on the shape
#       catalog, the solver's steps, NCCL with one rank, AlexNet/VGG-16/GoogLeNet vs cpu_ref,
#       alexnet_small on Fashion-MNIST on both, throughput and peak memory), then PyTorch's
#       throughput on the same GPU (scripts/gpu_torch_bench.py). Exit 0: every comparison within tolerance; 1: one is not;
#       2: no GPU (or the build failed) — said plainly, nothing crashes. Results: gpu_check_out/,
#       and packed into $OUT where the device tool sets it.
#
# Budget (8 minutes in all): build ~2 min on 16 cores, kernels ~1 min, nets ~1 min, training
# ~2 min (cpu_ref: 30 updates only), throughput ~1 min, PyTorch ~1 min.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PREP="$ROOT/.gpu_check"
# Results go to gpu_check_out/; the device tool brings back at most 8 files from $OUT, so there
# they are packed: gpu_check.log, summary.txt and gpu_check_results.tar.gz (every file).
OUT_DIR="$ROOT/gpu_check_out"

pack() {
  [ -n "${OUT:-}" ] || return 0
  sleep 1  # lets tee finish the log
  tar czf "$OUT/gpu_check_results.tar.gz" -C "$OUT_DIR" . 2>/dev/null || true
  cp "$OUT_DIR/gpu_check.log" "$OUT/" 2>/dev/null || true
  cp "$OUT_DIR/summary.txt" "$OUT/" 2>/dev/null || true
}

prepare() {
  mkdir -p "$PREP/deps/include" "$PREP/deps/lib" "$PREP/fashion-mnist"
  cp -r /usr/include/fmt /usr/include/nlohmann "$PREP/deps/include/"
  cp /usr/include/zlib.h /usr/include/zconf.h "$PREP/deps/include/"
  cp /usr/lib/x86_64-linux-gnu/libz.a "$PREP/deps/lib/"
  cp /usr/share/datasets/fashion-mnist/*-ubyte.gz "$PREP/fashion-mnist/"
  local exclude
  exclude="$(git rev-parse --git-path info/exclude)"
  grep -qx '/.gpu_check/' "$exclude" 2>/dev/null || echo '/.gpu_check/' >>"$exclude"
  grep -qx '/build-gpu/' "$exclude" 2>/dev/null || echo '/build-gpu/' >>"$exclude"
  grep -qx '/gpu_check_out/' "$exclude" 2>/dev/null || echo '/gpu_check_out/' >>"$exclude"
  du -sh "$PREP"
  echo "prepared: run the check with the device tool, carry [\".gpu_check\"]:"
  echo "  scripts/gpu_check.sh"
}

# cuDNN, cuBLAS and NCCL of PyTorch's wheels, where the toolkit has none of its own.
wheel_roots() {
  python3 - <<'PY' 2>/dev/null || true
import importlib, os
roots = []
for name in ("nvidia.cudnn", "nvidia.cublas", "nvidia.nccl", "nvidia.cu13", "nvidia.cuda_runtime"):
    try:
        module = importlib.import_module(name)
        roots += list(getattr(module, "__path__", []))
    except ImportError:
        pass
print(";".join(roots))
PY
}

check() {
  local quick=("$@")
  rm -rf "$OUT_DIR"
  mkdir -p "$OUT_DIR"
  trap pack EXIT
  exec > >(tee "$OUT_DIR/gpu_check.log") 2>&1
  echo "== machine"
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
  nvcc --version | tail -2 || true
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())" 2>&1 || true
  if [ ! -f "$PREP/deps/include/fmt/format.h" ]; then
    echo "gpu_check: $PREP is missing: run scripts/gpu_check.sh --prepare on the build machine and carry .gpu_check"
    exit 2
  fi
  local roots
  roots="$(wheel_roots)"
  echo "== build (library roots: ${roots:-toolkit only})"
  local start=$SECONDS
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  if ! cmake -S . -B build-gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSVERTKA_CORE_ONLY=ON \
      -DSVERTKA_WITH_CUDA=ON -DSVERTKA_DEPS_DIR="$PREP/deps" \
      -DSVERTKA_CUDA_LIBRARY_ROOTS="$roots" >"$OUT_DIR/configure.log" 2>&1; then
    tail -30 "$OUT_DIR/configure.log"
    echo "gpu_check: configuring failed (configure.log)"
    exit 2
  fi
  grep "svertka:" "$OUT_DIR/configure.log" || true
  if ! cmake --build build-gpu -j "$(nproc)" --target svertka_gpu_check >"$OUT_DIR/build.log" 2>&1; then
    tail -40 "$OUT_DIR/build.log"
    echo "gpu_check: the build failed (build.log)"
    exit 2
  fi
  echo "built in $((SECONDS - start)) s"
  # cuDNN loads its engine libraries by name at run time: the wheels' folders go on the path.
  local root
  IFS=';' read -ra root_list <<<"$roots"
  for root in "${root_list[@]}"; do
    [ -d "$root/lib" ] && export LD_LIBRARY_PATH="$root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
  local status=0
  build-gpu/svertka_gpu_check --out "$OUT_DIR" --catalog shapes/catalog.txt \
    --fashion-mnist "$PREP/fashion-mnist" "${quick[@]}" || status=$?
  echo "== PyTorch on the same GPU"
  PYTHONUNBUFFERED=1 timeout 150 python3 scripts/gpu_torch_bench.py "${quick[@]}" \
    >"$OUT_DIR/torch_throughput.tsv" || echo "gpu_check: the PyTorch benchmark failed or timed out"
  cat "$OUT_DIR/torch_throughput.tsv" || true
  echo "== done in $((SECONDS - start)) s, svertka_gpu_check exit $status"
  exit "$status"
}

case "${1:-}" in
  --prepare) prepare ;;
  --quick) check --quick ;;
  "") check ;;
  *) echo "usage: scripts/gpu_check.sh [--prepare | --quick]" >&2; exit 2 ;;
esac
