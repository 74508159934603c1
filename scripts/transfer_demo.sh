#!/usr/bin/env bash
# Transfer learning as in the VGG paper, on Fashion-MNIST (Debian's dataset-fashion-mnist):
#   1. train alexnet_small on classes 0-4 only;
#   2. extract its penultimate activations (fc4, 1024-d after ReLU) for classes 5-9 of the training
#      and test splits, and train one-vs-rest linear SVMs on them (C by cross-validation);
#   3. train alexnet_small from scratch on classes 5-9 for the same wall time as steps 1 and 2
#      together (`--time-limit`), so the comparison is at equal time; both times are printed.
# Prints the SVM's and the scratch net's test accuracy on classes 5-9.
# Usage: scripts/transfer_demo.sh [BUILD_DIR]
#   ITERS=... updates of batch 64 in the pretraining (default 400, about 0.85 epoch of 5 classes),
#   THREADS=... (default 2), RUN=... output folder (default runs/transfer).
set -euo pipefail
build=${1:-build}
data=/usr/share/datasets/fashion-mnist
run=${RUN:-runs/transfer}
iters=${ITERS:-400}
threads=${THREADS:-2}
svertka="$build/svertka"
train_opts=(--model alexnet_small --data "$data" --batch 64 --lr 0.01 --schedule fixed
            --momentum 0.9 --weight-decay 5e-4 --seed 1 --threads "$threads")

rm -rf "$run"
mkdir -p "$run"
seconds() { date +%s.%N; }
elapsed() { printf "%.0f" "$(echo "$2 - $1" | bc)"; }

t0=$(seconds)
"$svertka" train "${train_opts[@]}" --epochs 1 --max-iter "$iters" --class-subset 0-4 \
  --out "$run/pretrain" | tee "$run/pretrain.log"
t1=$(seconds)
for split in train test; do
  OMP_NUM_THREADS=$threads "$svertka" extract --model alexnet_small \
    --weights "$run/pretrain/weights.safetensors" --layer fc4 --data "$data" --split "$split" \
    --class-subset 5-9 --out "$run/fc4_$split.safetensors"
done
OMP_NUM_THREADS=$threads "$svertka" svm --train "$run/fc4_train.safetensors" \
  --test "$run/fc4_test.safetensors" --c-search --save "$run/svm.model" | tee "$run/svm.log"
t2=$(seconds)
budget=$(elapsed "$t0" "$t2")
"$svertka" train "${train_opts[@]}" --epochs 100 --time-limit "$budget" --class-subset 5-9 \
  --out "$run/scratch" | tee "$run/scratch.log"
t3=$(seconds)

svm_acc=$(grep -o 'test accuracy [0-9.]*%' "$run/svm.log" | tail -1 | awk '{print $3}')
echo "transfer: pretraining on classes 0-4 took $(elapsed "$t0" "$t1") s;" \
  "extraction and SVM $(elapsed "$t1" "$t2") s"
echo "transfer: SVM on fc4 features of classes 5-9: test accuracy $svm_acc"
echo "scratch:  alexnet_small trained on classes 5-9 for $(elapsed "$t2" "$t3") s:" \
  "$(grep '^final:' "$run/scratch.log" | tail -1)"
