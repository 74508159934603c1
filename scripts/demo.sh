#!/usr/bin/env bash
# The main job: train alexnet_small on Fashion-MNIST (Debian's dataset-fashion-mnist) as
# recipes/fashion-mnist.toml says, report top-1 / top-5 on its test set with the recipe's
# evaluation, then draw the curves. The demo's settings live in the recipe only.
# Usage: scripts/demo.sh [BUILD_DIR]   (EPOCHS=... to shorten)
set -euo pipefail
build=${1:-build}
recipe=recipes/fashion-mnist.toml
run=runs/demo

rm -rf "$run"
start=$(date +%s)
"$build/svertka" train --recipe "$recipe" --out "$run" ${EPOCHS:+--epochs "$EPOCHS"}
# The recipe's evaluation (AlexNet's 10 views) of the saved weights.
"$build/svertka" eval --recipe "$recipe" --weights "$run/weights.safetensors" --out "$run/eval"
end=$(date +%s)
"$build/svertka" plot "$run"
echo "demo: training and evaluation took $((end - start)) s; metrics in $run/metrics.jsonl"
