#!/usr/bin/python3
"""svertka.ImageLoader (the Python module over the C++ worker pipeline) against torchvision's
ImageFolder + DataLoader, side by side, on the same JPEGs and the same work per image as
bench/compare_data_pipeline.py (whose folder and torchvision side this reuses): read, decode,
resize the shorter side to 256, random 224 crop, random flip, float CHW, per-channel
normalisation, shuffled batches of 64, the same number of workers (svertka: threads;
torchvision: DataLoader worker processes). Both hand numpy/torch batches to a Python loop. The
engines alternate over rounds; each figure is the median over rounds of images/s over the timed
epochs (after one warm-up epoch).

Usage (Debian's python3 with torch and torchvision; build the module first, `make`):
  bench/compare_python_loader.py            prints both rates and the ratio
  bench/compare_python_loader.py --write    also rewrites its section of docs/BENCHMARKS.md
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_data_pipeline as pipeline  # noqa: E402  (its folder, torchvision side, helpers)
import torch_env  # noqa: E402

REPO = pipeline.REPO
SECTION = "## Python ImageLoader"

SVERTKA_WORKER = r"""
import sys, time, svertka
folder, workers, epochs, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
loader = svertka.ImageLoader(folder, batch=batch, crop=224, scale=256, mirror=True,
                             channel_order="rgb", workers=workers, seed=1)
warm = 0
for images, labels in loader: warm += images.shape[0]  # warm-up epoch
done, start = 0, time.perf_counter()
for _ in range(epochs):
    for images, labels in loader: done += images.shape[0]
print("%d images in all; %.3f images/s" % (warm + done, done / (time.perf_counter() - start)))
print(svertka.build_info())
"""


def run_svertka(build, folder, workers, epochs, batch):
    """(images/s, images per CPU second, svertka's build line)."""
    cpu = pipeline.children_cpu()
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
    out = subprocess.run([sys.executable, "-c", SVERTKA_WORKER, folder, str(workers), str(epochs),
                          str(batch)], check=True, capture_output=True, text=True, env=env).stdout
    cpu = pipeline.children_cpu() - cpu
    match = re.search(r"([0-9]+) images in all; ([0-9.]+) images/s", out)
    return float(match.group(2)), int(match.group(1)) / cpu, out.strip().splitlines()[-1]


def write_section(path, text):
    """Replaces this script's section (up to the next "## " heading), or appends it."""
    old = open(path).read()
    if SECTION in old:
        head, rest = old.split(SECTION, 1)
        tail = rest[rest.index("\n## ") + 1:] if "\n## " in rest else ""
    else:
        head, tail = old, ""
    with open(path + ".tmp", "w") as f:
        f.write(head.rstrip() + "\n\n" + text.rstrip() + "\n" + ("\n" + tail if tail else ""))
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", default=os.path.join(REPO, "..", "shared", "data",
                                                       "imagenet-samples", "labels.txt"))
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per run")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    if not os.path.exists(args.list):
        sys.exit(f"no image list at {args.list}")
    torch_info = torch_env.prepare(allow_reference=True)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        images = pipeline.make_folder(args.list, os.path.dirname(os.path.abspath(args.list)), tmp)
        start_cpu = pipeline.import_cpu()
        ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
        for r in range(args.rounds):
            rate, per_cpu, build_line = run_svertka(args.build, tmp, args.workers, args.epochs,
                                                    args.batch)
            ours.append(rate)
            ours_cpu.append(per_cpu)
            rate, per_cpu = pipeline.run_torch(tmp, args.workers, args.epochs, args.batch,
                                               start_cpu)
            theirs.append(rate)
            theirs_cpu.append(per_cpu)
            print(f"round {r + 1}: svertka.ImageLoader {ours[-1]:.1f} images/s "
                  f"({ours_cpu[-1]:.1f} per CPU second), torchvision {theirs[-1]:.1f} images/s "
                  f"({theirs_cpu[-1]:.1f} per CPU second)", flush=True)
    load_after = os.getloadavg()[0]
    a, b = statistics.median(ours), statistics.median(theirs)
    ac, bc = statistics.median(ours_cpu), statistics.median(theirs_cpu)
    print(f"svertka.ImageLoader: {a:.1f} images/s; torchvision ImageFolder + DataLoader: "
          f"{b:.1f} images/s; ratio {a / b:.2f}x ({args.workers} workers, {images} images)")
    print(f"per CPU second: svertka {ac:.1f}, torchvision {bc:.1f}; ratio {ac / bc:.2f}x")
    if not args.write:
        return
    date = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    rounds = lambda xs: ", ".join(f"{x:.1f}" for x in xs)  # noqa: E731
    text = f"""{SECTION}

Generated by `bench/compare_python_loader.py --write`; rerun it rather than edit.

- Command: `bench/compare_python_loader.py --workers {args.workers} --epochs {args.epochs} --rounds {args.rounds} --write`
  (svertka side: `svertka.ImageLoader(FOLDER, batch={args.batch}, crop=224, scale=256, mirror=True, channel_order="rgb", workers={args.workers})` iterated in Python, one process)
- Data: {images} real ImageNet JPEGs from `{os.path.relpath(args.list, REPO)}`, as a class-folder tree of symlinks.
- Machine: {pipeline.cpu_name()}, {os.cpu_count()} cores; date {date}; {pipeline.versions()}
- svertka: {build_line}. {torch_info["line"]}
- Work per image, both engines: as in "Data pipeline" above; each batch arrives in Python as arrays (numpy float32 (64,3,224,224) and int64 labels; torch tensors). Median over {args.rounds} alternating rounds of {args.epochs} timed epochs.
- Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f} (the machine may be shared).

| engine | images/s | rounds | images per CPU second | rounds |
|---|---:|---|---:|---|
| svertka.ImageLoader | {a:.1f} | {rounds(ours)} | {ac:.1f} | {rounds(ours_cpu)} |
| torchvision ImageFolder + DataLoader | {b:.1f} | {rounds(theirs)} | {bc:.1f} | {rounds(theirs_cpu)} |

svertka.ImageLoader / torchvision, images/s: **{a / b:.2f}x** (target: at least 2x); per CPU
second: **{ac / bc:.2f}x** (PyTorch's import, {start_cpu:.2f} CPU s, left out; svertka's own
start-up, Python and the module's import, counted).
"""
    write_section(os.path.join(REPO, "docs", "BENCHMARKS.md"), text)
    print("written: docs/BENCHMARKS.md")


if __name__ == "__main__":
    main()
