#!/usr/bin/python3
"""svertka's training data pipeline against torchvision's, side by side, on real JPEGs.

Both read the same image folder (a temporary root/<class>/ tree of symlinks built from a
`path label` list such as ../shared/data/imagenet-samples/labels.txt) and do the same work per
image: read, decode, resize the shorter side to 256, random 224 crop, random horizontal flip,
to float CHW, per-channel normalisation; batches of 64 from shuffled epochs, the same number of
workers (svertka: threads; torchvision: DataLoader worker processes). svertka runs
`svertka bench-data`; torchvision ImageFolder + DataLoader with Resize(256), RandomCrop(224),
RandomHorizontalFlip, ToTensor, Normalize. The engines alternate over rounds; each figure is the
median over rounds of images/s over the timed epochs (after one warm-up epoch).

Usage (Debian's python3, which has torch and torchvision; build the CLI first):
  bench/compare_data_pipeline.py                      prints both rates and the ratio
  bench/compare_data_pipeline.py --write              also rewrites the data section of
                                                      docs/BENCHMARKS.md
"""
import argparse
import datetime
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_env  # noqa: E402  (no torch import in this process)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTION = "## Data pipeline"


def make_folder(list_path, root, dest):
    """dest/<label>/<file> symlinks for every `path label` line of list_path."""
    count = 0
    with open(list_path) as f:
        for line in f:
            words = line.split()
            if len(words) < 2 or words[0].startswith("#"):
                continue
            cls = os.path.join(dest, "%04d" % int(words[1]))
            os.makedirs(cls, exist_ok=True)
            src = os.path.abspath(os.path.join(root, words[0]))
            os.symlink(src, os.path.join(cls, os.path.basename(words[0])))
            count += 1
    return count


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_svertka(binary, folder, workers, epochs, batch):
    """(images/s, images per CPU second of the whole process, the processor / oneDNN ISA / build
    line that bench-data prints)."""
    cmd = [binary, "bench-data", "--data", folder, "--workers", str(workers), "--epochs",
           str(epochs), "--batch", str(batch), "--channel-order", "rgb"]
    cpu = children_cpu()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    cpu = children_cpu() - cpu
    match = re.search(r"bench-data: ([0-9]+) images .* ([0-9.]+) images/s", out)
    if not match:
        sys.exit("no rate in svertka's output:\n" + out)
    machine = re.search(r"bench-data: (.*; svertka built .*)", out)
    return (float(match.group(2)), int(match.group(1)) / cpu,
            machine.group(1) if machine else "svertka build unknown")


TORCH_WORKER = r"""
import sys, time, torch, torchvision
from torchvision import transforms as T
folder, workers, epochs, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(1)
tf = T.Compose([T.Resize(256), T.RandomCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
data = torchvision.datasets.ImageFolder(folder, tf)
loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, num_workers=workers,
                                     drop_last=True, persistent_workers=workers > 0)
warm = 0
for images, labels in loader: warm += images.shape[0]  # warm-up epoch: starts the workers
done, start = 0, time.perf_counter()
for _ in range(epochs):
    for images, labels in loader: done += images.shape[0]
print("%d images in all; %.3f images/s" % (warm + done, done / (time.perf_counter() - start)))
"""


def import_cpu():
    """CPU seconds Python spends importing torch and torchvision, taken off PyTorch's CPU time so
    that both engines' figures leave start-up out (svertka's is a few milliseconds)."""
    cpu = children_cpu()
    subprocess.run([sys.executable, "-c", "import torch, torchvision"], check=True)
    return children_cpu() - cpu


def run_torch(folder, workers, epochs, batch, start_cpu):
    """(images/s, images per CPU second of the process and its DataLoader workers)."""
    cpu = children_cpu() + start_cpu
    out = subprocess.run([sys.executable, "-c", TORCH_WORKER, folder, str(workers), str(epochs),
                          str(batch)], check=True, capture_output=True, text=True).stdout
    cpu = children_cpu() - cpu
    match = re.search(r"([0-9]+) images in all; ([0-9.]+) images/s", out)
    return float(match.group(2)), int(match.group(1)) / cpu


def versions():
    import torch
    import torchvision
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return (f"svertka {commit}{' + uncommitted changes' if dirty else ''}; PyTorch "
            f"{torch.__version__}, torchvision {torchvision.__version__}, Python "
            f"{platform.python_version()}")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def write_section(path, text):
    """Replaces the section from SECTION up to the next "## " heading (or appends it); the
    sections after it stay."""
    old = open(path).read() if os.path.exists(path) else ""
    if SECTION in old:
        head, rest = old.split(SECTION, 1)
        tail = rest[rest.index("\n## ") + 1:] if "\n## " in rest else ""
    else:
        head, tail = old, ""
    head = head.rstrip() + "\n\n" if head.strip() else ""
    body = text.rstrip() + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(head + body + ("\n" + tail if tail else ""))
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", default=os.path.join(REPO, "..", "shared", "data",
                                                       "imagenet-samples", "labels.txt"))
    parser.add_argument("--root", help="folder of the list's paths (default: the list's)")
    parser.add_argument("--svertka", default=os.path.join(REPO, "build", "svertka"))
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per run")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    if not os.path.exists(args.list):
        sys.exit(f"no image list at {args.list}")
    root = args.root or os.path.dirname(os.path.abspath(args.list))
    # The DataLoader's transforms barely touch BLAS, but a baseline is measured at its best.
    torch_info = torch_env.prepare(allow_reference=True)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        images = make_folder(args.list, root, tmp)
        # svertka's bench-data times every epoch; one untimed epoch first warms the page cache.
        run_svertka(args.svertka, tmp, args.workers, 1, args.batch)
        start_cpu = import_cpu()
        ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
        for r in range(args.rounds):
            rate, per_cpu, svertka_machine = run_svertka(args.svertka, tmp, args.workers, args.epochs,
                                                 args.batch)
            ours.append(rate)
            ours_cpu.append(per_cpu)
            rate, per_cpu = run_torch(tmp, args.workers, args.epochs, args.batch, start_cpu)
            theirs.append(rate)
            theirs_cpu.append(per_cpu)
            print(f"round {r + 1}: svertka {ours[-1]:.1f} images/s ({ours_cpu[-1]:.1f} per CPU "
                  f"second), torchvision {theirs[-1]:.1f} images/s ({theirs_cpu[-1]:.1f} per CPU "
                  f"second)", flush=True)
    load_after = os.getloadavg()[0]
    a, b = statistics.median(ours), statistics.median(theirs)
    ac, bc = statistics.median(ours_cpu), statistics.median(theirs_cpu)
    print(f"svertka bench-data: {a:.1f} images/s; torchvision ImageFolder + DataLoader: "
          f"{b:.1f} images/s; ratio {a / b:.2f}x ({args.workers} workers, {images} images)")
    print(f"per CPU second (user + system, whole process tree, less PyTorch's import): svertka "
          f"{ac:.1f}, torchvision {bc:.1f} images; ratio {ac / bc:.2f}x")
    if not args.write:
        return
    date = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    text = f"""{SECTION}

Generated by `bench/compare_data_pipeline.py --write`; rerun it rather than edit.

- Command: `bench/compare_data_pipeline.py --workers {args.workers} --epochs {args.epochs} --rounds {args.rounds} --write`
  (svertka side: `svertka bench-data --data FOLDER --workers {args.workers} --epochs {args.epochs} --batch {args.batch} --channel-order rgb`)
- Data: {images} real ImageNet JPEGs from `{os.path.relpath(args.list, REPO)}`, as a class-folder tree of symlinks.
- Machine: {cpu_name()}, {os.cpu_count()} cores; date {date}; {versions()}
- svertka: {svertka_machine}. {torch_info["line"]}
- Work per image, both engines: read, decode, resize the shorter side to 256, random 224x224 crop, random flip, float CHW, per-channel normalisation; shuffled batches of {args.batch}, {args.workers} workers (svertka threads, DataLoader processes). Median over {args.rounds} alternating rounds of {args.epochs} timed epochs.
- Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f} (the machine may be shared).

| engine | images/s | rounds | images per CPU second | rounds |
|---|---:|---|---:|---|
| svertka bench-data | {a:.1f} | {", ".join(f"{x:.1f}" for x in ours)} | {ac:.1f} | {", ".join(f"{x:.1f}" for x in ours_cpu)} |
| torchvision ImageFolder + DataLoader | {b:.1f} | {", ".join(f"{x:.1f}" for x in theirs)} | {bc:.1f} | {", ".join(f"{x:.1f}" for x in theirs_cpu)} |

svertka / torchvision, images/s: **{a / b:.2f}x** (target: at least 2x); per CPU second:
**{ac / bc:.2f}x**. Images per CPU second count every image each process handled (the
warm-up epoch too) over the user + system time of the process and its workers, less the
{start_cpu:.2f} CPU s that importing torch and torchvision takes; on a shared machine it is the steadier of the two figures, as it does not depend on
the share of the cores each engine got.
"""
    write_section(os.path.join(REPO, "docs", "BENCHMARKS.md"), text)
    print("written: docs/BENCHMARKS.md")


if __name__ == "__main__":
    main()
