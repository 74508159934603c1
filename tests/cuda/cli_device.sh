#!/usr/bin/env bash
# `svertka bench --device cuda`: on a machine without a GPU (CI, the build machines) the command
# ends with "no CUDA device: ..." and a non-zero status, never a crash; with a GPU it runs.
# A malformed device name is refused by the option parser either way.
set -u
cli="$1"
out=$("$cli" bench --model alexnet_small --batch 2 --iters 1 --warmup 0 --device cuda:0 2>&1)
status=$?
if [ "$status" -ge 128 ]; then echo "crashed (status $status): $out"; exit 1; fi
if echo "$out" | grep -q "^device: cuda:0"; then
  [ "$status" -eq 0 ] || { echo "ran on a GPU but failed: $out"; exit 1; }
else
  [ "$status" -ne 0 ] || { echo "no GPU, yet status 0: $out"; exit 1; }
  echo "$out" | grep -q "no CUDA device: " || { echo "unclear error: $out"; exit 1; }
fi
out=$("$cli" bench --model alexnet_small --batch 2 --device cuda:x 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "cuda:x" || { echo "cuda:x accepted: $out"; exit 1; }
echo "ok"
