#!/usr/bin/env bash
# The one prepared check of the CUDA backend on a GPU machine (docs/GPU.md). Two steps:
#
#   scripts/gpu_check.sh --prepare      on the build machine, in the checkout the device tool sends:
#       fills .gpu_check/ (git-ignored through .git/info/exclude, about 34 MiB) with what the GPU
#       machine lacks: fmt and nlohmann-json headers, zlib's header and static library (the core's
#       only dependencies beyond the compiler), Fashion-MNIST's IDX files, and svertka_gpu_check
#       built here in the same reduced configuration (build-gpu-local/), which the GPU machine
#       runs when it starts there, saving the build's minutes of device time.
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
# Diagnosis: GPU_CHECK_ONLY=nets,layers runs only those sections of svertka_gpu_check;
# GPU_CHECK_TORCH_VARIANTS=1 has PyTorch time NCHW and per-step copies of the batch instead;
# GPU_CHECK_TORCH_PROFILE=1 adds PyTorch's own kernel times (torch_profile.txt);
# SVERTKA_CUDA_LOG_ALGORITHMS=1 logs each convolution's measured algorithms and choice.
#
# Budget (GPU_CHECK_SECONDS, default 470 s in all): build ~2 min on 16 cores (none when the
# carried binary runs), kernels ~1 min, nets ~1 min, training ~2 min (cpu_ref: 30 updates only),
# throughput ~1 min, PyTorch ~1 min. Each step runs under a timeout within the budget, so the
# script ends by itself and packs what it has before the device tool's limit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PREP="$ROOT/.gpu_check"
# Results go to gpu_check_out/; the device tool brings back at most 8 files from $OUT, so there
# they are packed: gpu_check.log, summary.txt and gpu_check_results.tar.gz (every file).
OUT_DIR="$ROOT/gpu_check_out"
BUDGET=${GPU_CHECK_SECONDS:-470}
PYTORCH_SECONDS=150

# seconds_left RESERVE: what the budget leaves after RESERVE seconds, and at least 30.
seconds_left() {
  local left=$((BUDGET - SECONDS - $1))
  echo $((left < 30 ? 30 : left))
}

pack() {
  [ -n "${OUT:-}" ] || return 0
  sleep 1  # lets tee finish the log
  tar czf "$OUT/gpu_check_results.tar.gz" -C "$OUT_DIR" . 2>/dev/null || true
  cp "$OUT_DIR/summary.txt" "$OUT/" 2>/dev/null || true
}

prepare() {
  mkdir -p "$PREP/deps/include" "$PREP/deps/lib" "$PREP/fashion-mnist"
  cp -r /usr/include/fmt /usr/include/nlohmann "$PREP/deps/include/"
  cp /usr/include/zlib.h /usr/include/zconf.h "$PREP/deps/include/"
  cp /usr/lib/x86_64-linux-gnu/libz.a "$PREP/deps/lib/"
  cp /usr/share/datasets/fashion-mnist/*-ubyte.gz "$PREP/fashion-mnist/"
  # The reduced build, here: its binary needs only libgomp, libstdc++ and the CUDA libraries.
  cmake -S . -B build-gpu-local -DCMAKE_BUILD_TYPE=Release -DSVERTKA_CORE_ONLY=ON \
    -DSVERTKA_WITH_CUDA=ON -DSVERTKA_DEPS_DIR="$PREP/deps" >/dev/null
  cmake --build build-gpu-local -j "$(nproc)" --target svertka_gpu_check >/dev/null
  mkdir -p "$PREP/bin"
  cp build-gpu-local/svertka_gpu_check "$PREP/bin/"
  strip "$PREP/bin/svertka_gpu_check"
  local exclude
  exclude="$(git rev-parse --git-path info/exclude)"
  grep -qx '/.gpu_check/' "$exclude" 2>/dev/null || echo '/.gpu_check/' >>"$exclude"
  grep -qx '/build-gpu/' "$exclude" 2>/dev/null || echo '/build-gpu/' >>"$exclude"
  grep -qx '/gpu_check_out/' "$exclude" 2>/dev/null || echo '/gpu_check_out/' >>"$exclude"
  grep -qx '/build-gpu-local/' "$exclude" 2>/dev/null || echo '/build-gpu-local/' >>"$exclude"
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

# build ROOTS: the reduced configuration, built here (when the carried binary does not run).
build() {
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  if ! cmake -S . -B build-gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSVERTKA_CORE_ONLY=ON \
      -DSVERTKA_WITH_CUDA=ON -DSVERTKA_DEPS_DIR="$PREP/deps" \
      -DSVERTKA_CUDA_LIBRARY_ROOTS="$1" >"$OUT_DIR/configure.log" 2>&1; then
    tail -30 "$OUT_DIR/configure.log"
    echo "gpu_check: configuring failed (configure.log)"
    return 1
  fi
  grep "svertka:" "$OUT_DIR/configure.log" || true
  if ! timeout 300 cmake --build build-gpu -j "$(nproc)" --target svertka_gpu_check >"$OUT_DIR/build.log" 2>&1; then
    tail -40 "$OUT_DIR/build.log"
    echo "gpu_check: the build failed (build.log)"
    return 1
  fi
}

check() {
  local quick=("$@")
  rm -rf "$OUT_DIR"
  mkdir -p "$OUT_DIR"
  trap pack EXIT
  # The log goes straight to $OUT too, so that it comes back even if the device tool kills the run.
  exec > >(tee "$OUT_DIR/gpu_check.log" ${OUT:+"$OUT/gpu_check.log"}) 2>&1
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
  # cuDNN loads its engine libraries by name at run time: the wheels' folders go on the path.
  local root
  IFS=';' read -ra root_list <<<"$roots"
  for root in "${root_list[@]}"; do
    [ -d "$root/lib" ] && export LD_LIBRARY_PATH="$root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
  local start=$SECONDS
  local program="$PREP/bin/svertka_gpu_check"
  echo "== the carried binary (library roots: ${roots:-toolkit only})"
  local probe=""
  [ -x "$program" ] && probe="$(timeout 60 "$program" --out "$OUT_DIR/probe" --only none 2>&1)" || true
  echo "$probe"
  if [[ "$probe" == *"no CUDA device on this machine"* ]]; then
    echo "gpu_check: no GPU here; nothing checked"
    exit 2
  elif [[ "$probe" == *"== summary.txt"* ]]; then
    echo "the carried binary runs here: no build"
  else
    echo "== build (the carried binary is missing or does not run here)"
    program=build-gpu/svertka_gpu_check
    build "$roots" || exit 2
  fi
  echo "ready in $((SECONDS - start)) s"
  local status=0
  timeout "$(seconds_left $((PYTORCH_SECONDS + 5)))" "$program" --out "$OUT_DIR" \
    --catalog shapes/catalog.txt --fashion-mnist "$PREP/fashion-mnist" "${quick[@]}" \
    ${GPU_CHECK_ONLY:+--only "$GPU_CHECK_ONLY"} || status=$?
  [ "$status" = 124 ] && echo "gpu_check: svertka_gpu_check ran out of its time; its tables so far are kept"
  echo "== PyTorch on the same GPU"
  PYTHONUNBUFFERED=1 timeout "$(seconds_left 5)" python3 scripts/gpu_torch_bench.py "${quick[@]}" \
    ${GPU_CHECK_TORCH_VARIANTS:+--variants} \
    >"$OUT_DIR/torch_throughput.tsv" || echo "gpu_check: the PyTorch benchmark failed or timed out"
  cat "$OUT_DIR/torch_throughput.tsv" || true
  if [ -n "${GPU_CHECK_TORCH_PROFILE:-}" ]; then
    PYTHONUNBUFFERED=1 timeout "$(seconds_left 5)" python3 scripts/gpu_torch_bench.py --profile \
      >"$OUT_DIR/torch_profile.txt" 2>&1 || echo "gpu_check: the PyTorch profile failed or timed out"
    cat "$OUT_DIR/torch_profile.txt" || true
  fi
  echo "== done in $((SECONDS - start)) s, svertka_gpu_check exit $status"
  exit "$status"
}

case "${1:-}" in
  --prepare) prepare ;;
  --quick) check --quick ;;
  "") check ;;
  *) echo "usage: scripts/gpu_check.sh [--prepare | --quick]" >&2; exit 2 ;;
esac
