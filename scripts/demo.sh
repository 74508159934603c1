#!/usr/bin/env bash
# The main job: train alexnet_small on Fashion-MNIST (Debian's dataset-fashion-mnist) and report
# top-1 / top-5 on its test set, then re-evaluate the saved weights and draw the curves.
# Usage: scripts/demo.sh [BUILD_DIR]   (EPOCHS=... to shorten)
set -euo pipefail
build=${1:-build}
data=/usr/share/datasets/fashion-mnist
run=runs/demo
epochs=${EPOCHS:-21}

rm -rf "$run"
start=$(date +%s)
"$build/svertka" train --model alexnet_small --data "$data" --epochs "$epochs" --batch 64 \
  --lr 0.01 --schedule poly --power 1 --momentum 0.9 --weight-decay 5e-4 --pad 2 --mirror true \
  --seed 1 --out "$run"
# AlexNet's test-time procedure: the softmax averaged over 10 views (the 4 extreme shifts the
# training saw and no shift, each also mirrored).
"$build/svertka" eval --model alexnet_small --weights "$run/weights.safetensors" --data "$data" \
  --crops 10 --out "$run/eval"
end=$(date +%s)
"$build/svertka" plot "$run"
echo "demo: training and evaluation took $((end - start)) s; metrics in $run/metrics.jsonl"
