#!/usr/bin/env bash
# Caffe's MNIST LeNet recipe (examples/mnist/lenet_solver.prototxt: lr 0.01, momentum 0.9, weight
# decay 5e-4, batch 64; Caffe's "inv" decay replaced by poly) on Fashion-MNIST, no augmentation.
# Usage: scripts/train-lenet.sh [BUILD_DIR]   (EPOCHS=... to change)
set -euo pipefail
build=${1:-build}
data=/usr/share/datasets/fashion-mnist
run=runs/lenet
rm -rf "$run"
"$build/svertka" train --model lenet --data "$data" --epochs "${EPOCHS:-10}" --batch 64 --lr 0.01 \
  --schedule poly --power 1 --momentum 0.9 --weight-decay 5e-4 --pad 0 --mirror false --seed 1 \
  --out "$run"
"$build/svertka" plot "$run"
