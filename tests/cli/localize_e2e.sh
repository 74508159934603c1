#!/usr/bin/env bash
# `svertka train --task localize` then `svertka eval --task localize` on the saved weights, on a few
# generated 28x28 PNGs (one coloured rectangle each, box list "path label x1 y1 x2 y2"): eval must
# report the localisation line and reproduce the final validation figures of training exactly.
# Usage: localize_e2e.sh SVERTKA_BINARY   (exit 77: skipped, python3 is missing)
set -euo pipefail
svertka=$1
command -v python3 > /dev/null || exit 77
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" <<'PY'
import random, struct, sys, zlib
out = sys.argv[1]
def png(path, rows):
    raw = b"".join(b"\0" + bytes(r) for r in rows)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 28, 28, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
rng = random.Random(7)
for split, count in (("train", 32), ("val", 16)):
    with open(f"{out}/{split}.txt", "w") as lst:
        for i in range(count):
            label = i % 2
            w, h = rng.randint(8, 18), rng.randint(8, 18)
            x1, y1 = rng.randint(0, 28 - w), rng.randint(0, 28 - h)
            colour = (220, 60, 40) if label else (40, 60, 220)
            rows = []
            for y in range(28):
                row = []
                for x in range(28):
                    inside = x1 <= x < x1 + w and y1 <= y < y1 + h
                    row += colour if inside else (rng.randint(90, 160),) * 3
                rows.append(row)
            png(f"{out}/{split}{i}.png", rows)
            lst.write(f"{split}{i}.png {label} {x1} {y1} {x1 + w} {y1 + h}\n")
PY

"$svertka" train --task localize --model alexnet_small --train-list "$dir/train.txt" \
  --val-list "$dir/val.txt" --pixel-scale 0.015625 --epochs 2 --batch 8 --lr 0.001 --threads 1 \
  --out "$dir/run" \
  > "$dir/train.log"
"$svertka" eval --task localize --model alexnet_small --weights "$dir/run/weights.safetensors" \
  --val-list "$dir/val.txt" --pixel-scale 0.015625 --batch 8 > "$dir/eval.log"

line='localisation error top-1 [0-9.]+%  top-5 [0-9.]+%  mean IoU [0-9.]+'
trained=$(grep -Eo "^final: 16 images: $line" "$dir/train.log" | sed 's/^final: //') || true
evaluated=$(grep -Eo "^16 images: $line" "$dir/eval.log") || true
if [[ -z "$trained" || "$trained" != "$evaluated" ]]; then
  echo "train's final validation: '$trained'"
  echo "eval of the saved weights: '$evaluated'"
  cat "$dir/train.log" "$dir/eval.log"
  exit 1
fi
# The weights record the training's preprocessing (--pixel-scale): eval without the option applies
# it, and another scale changes the figures.
"$svertka" eval --task localize --model alexnet_small --weights "$dir/run/weights.safetensors" \
  --val-list "$dir/val.txt" --batch 8 > "$dir/eval_recorded.log" 2> "$dir/eval_recorded.err"
recorded=$(grep -Eo "^16 images: $line" "$dir/eval_recorded.log") || true
"$svertka" eval --task localize --model alexnet_small --weights "$dir/run/weights.safetensors" \
  --val-list "$dir/val.txt" --pixel-scale 1 --batch 8 > "$dir/eval_other.log" 2>&1
other=$(grep -Eo "^16 images: $line" "$dir/eval_other.log") || true
if [[ "$recorded" != "$evaluated" || "$other" == "$evaluated" ]]; then
  echo "eval with the training's options: '$evaluated'"
  echo "eval with the recorded preprocessing: '$recorded'"
  echo "eval at --pixel-scale 1: '$other'"
  cat "$dir/eval_recorded.err"
  exit 1
fi
echo "train and eval agree: $evaluated (also from the record alone; '$other' at another scale)"
