#!/usr/bin/python3
"""The papers' test protocols, svertka against PyTorch: same JPEGs, same views, same networks,
same threads; images/s and peak resident memory of each whole process (load, decode, views,
forward, softmax averaging), with svertka's default options.

  AlexNet 10-crop        S = 256, 4 corners + centre of 227 px, and their mirrors
  VGG-16 10-crop         S = 384 (the middle of VGG's three scales), 224 px crops
  VGG-16 dense 3-scale   S = 256, 384, 512: the whole image and its mirror through the net with
                         its FC layers as convolutions, class scores averaged over the map
  GoogLeNet 144-crop     S = 256, 288, 320, 352: 3 squares x (4 corners + centre + the square
                         resized) x 2 mirrors

svertka runs `svertka eval` (random weights from `svertka convert --seed`: speed and memory do
not depend on their values); PyTorch runs this script's worker: PIL decoding and torchvision's
Resize, TenCrop / FiveCrop-style crops and the multi-scale loops written plainly, one image's views
per forward pass (channels_last, no_grad, eval mode), as a user would write it. Each engine runs in
its own process (peak RSS from wait4). With --bench, `svertka bench` inference (TEST phase) and
PyTorch's at compare_pytorch.py's batches are compared too (peak RSS).

Usage (Debian's python3 with torch and torchvision; build the CLI first):
  bench/compare_eval.py --images /work/shared/data/imagenet-samples [--count 8] [--bench]
  bench/compare_eval.py --images DIR --protocols alexnet_10 --count 4      one protocol
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_env  # noqa: E402  (no torch import in this process)
import compare_pytorch  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# name: (zoo model, svertka --crops, scales, crop size, images per protocol relative to --count)
PROTOCOLS = {
    "alexnet_10": ("alexnet", "10", [256], 227, 4),
    "vgg16_10": ("vgg16", "10", [384], 224, 1),
    "vgg16_dense": ("vgg16", "dense", [256, 384, 512], 224, 1),
    "googlenet_144": ("googlenet", "144", [256, 288, 320, 352], 224, 1),
}
TITLES = {"alexnet_10": "AlexNet 10-crop", "vgg16_10": "VGG-16 10-crop (S=384)",
          "vgg16_dense": "VGG-16 dense, S = 256, 384, 512",
          "googlenet_144": "GoogLeNet 144-crop (4 scales)"}
# BGR channel means svertka subtracts by default (ImageNet's), here in RGB for PyTorch.
MEAN_RGB = (123.68, 116.779, 103.939)


# ---------------------------------------------------------------------------------------------
# PyTorch worker: one protocol over a list of images; prints a JSON line.

def torch_views(image, protocol, crop):
    """The protocol's views of one PIL image, as a list of PIL images (or of lists per scale)."""
    import torchvision.transforms as T
    import torchvision.transforms.functional as TF
    _, kind, scales, _, _ = PROTOCOLS[protocol]
    views = []
    for s in scales:
        resized = TF.resize(image, s)
        if kind == "10":
            views.extend(T.TenCrop(crop)(resized))
        elif kind == "dense":
            views.append(resized)  # the whole image; its mirror is taken on the tensor
        else:  # 144: three squares, each cropped 5 times and resized whole, and mirrored
            w, h = resized.size
            side, free = min(w, h), max(w, h) - min(w, h)
            for offset in (0, free // 2, free):
                box = (offset, 0, offset + side, side) if w > h else (0, offset, side, offset + side)
                square = resized.crop(box)
                six = list(T.FiveCrop(crop)(square)) + [TF.resize(square, [crop, crop])]
                views.extend(six + [TF.hflip(v) for v in six])
    return views


def to_batch(views):
    import torch
    import torchvision.transforms.functional as TF
    x = torch.stack([TF.pil_to_tensor(v) for v in views]).float()
    x -= torch.tensor(MEAN_RGB).view(1, 3, 1, 1)
    return x.contiguous(memory_format=torch.channels_last)


def dense_vgg(net):
    """VGG-16 with fc6/fc7/fc8 as 7x7 / 1x1 convolutions sharing the FC weights."""
    import torch.nn as nn
    fc6, fc7, fc8 = net.classifier[0], net.classifier[3], net.classifier[6]
    head = nn.Sequential(nn.Conv2d(512, 4096, 7), nn.ReLU(True), nn.Conv2d(4096, 4096, 1),
                         nn.ReLU(True), nn.Conv2d(4096, fc8.out_features, 1))
    head[0].weight.data = fc6.weight.data.view(4096, 512, 7, 7)
    head[2].weight.data = fc7.weight.data.view(4096, 4096, 1, 1)
    head[4].weight.data = fc8.weight.data.view(fc8.out_features, 4096, 1, 1)
    for conv, fc in ((head[0], fc6), (head[2], fc7), (head[4], fc8)):
        conv.bias.data = fc.bias.data
    return nn.Sequential(net.features, head)


def torch_worker(spec):
    import torch
    from PIL import Image
    import torch_models
    torch.set_num_threads(spec["threads"])
    protocol = spec["protocol"]
    model, kind, scales, crop, _ = PROTOCOLS[protocol]
    net = torch_models.build(model).eval()
    if kind == "dense":
        net = dense_vgg(net.net)
    net = net.to(memory_format=torch.channels_last)
    start = time.perf_counter()
    top1 = []
    with torch.no_grad():
        for path in spec["images"]:
            image = Image.open(path).convert("RGB")
            views = torch_views(image, protocol, crop)
            if kind == "dense":
                probabilities = 0
                for v in views:  # per scale: the image and its mirror, one pass
                    x = to_batch([v])
                    x = torch.cat([x, torch.flip(x, dims=[3])])
                    scores = net(x)  # (2, K, h, w)
                    probabilities = probabilities + scores.softmax(1).mean(dim=(0, 2, 3))
            else:
                out = net(to_batch(views))
                logits = out[0] if isinstance(out, tuple) else out
                probabilities = logits.softmax(1).mean(0)
            top1.append(int(probabilities.argmax()))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds_in_loop": seconds, "images": len(top1),
                      "threads": torch.get_num_threads()}))


# ---------------------------------------------------------------------------------------------
# The comparison.

def weights_for(binary, model, folder):
    path = os.path.join(folder, model + ".safetensors")
    if not os.path.exists(path):
        subprocess.run([binary, "convert", "--from", model, "--seed", "1", "--out", path],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def image_list(images_dir, count, folder):
    """The first `count` JPEGs of labels.txt ("file label ..."), as a "path label" list file."""
    entries = []
    with open(os.path.join(images_dir, "labels.txt")) as f:
        for line in f:
            words = line.split()
            if len(words) >= 2:
                entries.append((os.path.join(images_dir, words[0]), words[1]))
    entries = entries[:count]
    path = os.path.join(folder, f"list{count}.txt")
    with open(path, "w") as f:
        f.writelines(f"{p} {label}\n" for p, label in entries)
    return path, [p for p, _ in entries]


def run_child_rss(cmd, env):
    """(stdout, stderr, wall seconds, rusage) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(out + err)
        raise RuntimeError(f"{' '.join(cmd)} exited with status {code}")
    return out, err, seconds, usage


def measure(binary, args, tmp):
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    rows = []
    for protocol in args.protocols:
        model, crops, scales, _, weight = PROTOCOLS[protocol]
        count = args.count * weight
        list_path, paths = image_list(args.images, count, tmp)
        weights = weights_for(binary, model, tmp)
        cmd = [binary, "eval", "--model", model, "--weights", weights, "--val-list", list_path,
               "--num-classes", "1000", "--crops", crops, "--scales", ",".join(map(str, scales))]
        _, err, s_seconds, s_usage = run_child_rss(cmd, env)
        batch_line = next((l for l in err.splitlines() if "batch" in l), "")
        spec = {"protocol": protocol, "images": paths, "threads": args.threads}
        out, _, t_seconds, t_usage = run_child_rss(
            [sys.executable, os.path.abspath(__file__), "--torch-worker", json.dumps(spec)], env)
        worker = json.loads(out.strip().splitlines()[-1])
        s_rss, t_rss = s_usage.ru_maxrss * 1024, t_usage.ru_maxrss * 1024  # Linux: KiB
        row = {"protocol": protocol, "images": count, "svertka_s": s_seconds, "torch_s": t_seconds,
               "svertka_rss": s_rss, "torch_rss": t_rss, "batch": batch_line.strip(),
               "svertka_cpu": (s_usage.ru_utime, s_usage.ru_stime),
               "torch_cpu": (t_usage.ru_utime, t_usage.ru_stime), "torch_threads": worker["threads"]}
        rows.append(row)
        print(f"  {TITLES[protocol]:<34} {count:3d} images  svertka {count / s_seconds:6.2f} img/s "
              f"{s_rss / 2**20:6.0f} MiB   PyTorch {count / t_seconds:6.2f} img/s "
              f"{t_rss / 2**20:6.0f} MiB   ({batch_line.strip()})", flush=True)
    return rows


def measure_bench(binary, args, tmp):
    """`svertka bench` inference against PyTorch's (channels_last) at compare_pytorch's batches."""
    rows = []
    bench_args = argparse.Namespace(iters=3, warmup=1, threads=args.threads, precision="fp32")
    for model in ("alexnet", "vgg16", "googlenet"):
        s = compare_pytorch.run_svertka(binary, model, "test", bench_args,
                                        os.path.join(tmp, "bench.json"))
        t = compare_pytorch.run_torch(model, "test", "channels_last", bench_args)
        rows.append({"model": model, "batch": compare_pytorch.BATCH[model],
                     "svertka_rss": s["peak_rss"], "torch_rss": t["peak_rss"],
                     "svertka_ms": s["iteration_ms"], "torch_ms": t["iteration_ms"]})
        print(f"  bench {model:<10} batch {compare_pytorch.BATCH[model]:3d}  svertka "
              f"{s['peak_rss'] / 2**20:6.0f} MiB  PyTorch {t['peak_rss'] / 2**20:6.0f} MiB",
              flush=True)
    return rows


def report(rows, bench_rows, args, blas, load):
    cpu = platform.processor() or "unknown"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [f"Measured {datetime.date.today()} on {cpu}, {args.threads} threads each, "
             f"PyTorch {blas.get('torch', '?')} (BLAS {os.path.basename(blas.get('blas', '?'))}); "
             f"load average before the run {load[0]:.1f}, after {load[1]:.1f}.",
             "`bench/compare_eval.py " + " ".join(sys.argv[1:]) + "`", "",
             "| protocol | images | svertka img/s | PyTorch img/s | speed ratio | svertka peak RSS "
             "| PyTorch peak RSS | user / sys s, svertka | user / sys s, PyTorch "
             "| svertka's batch (default) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        s, t = r["images"] / r["svertka_s"], r["images"] / r["torch_s"]
        lines.append(f"| {TITLES[r['protocol']]} | {r['images']} | {s:.2f} | {t:.2f} | "
                     f"{s / t:.2f}x | {r['svertka_rss'] / 2**20:.0f} MiB | "
                     f"{r['torch_rss'] / 2**20:.0f} MiB | "
                     f"{r['svertka_cpu'][0]:.1f} / {r['svertka_cpu'][1]:.1f} | "
                     f"{r['torch_cpu'][0]:.1f} / {r['torch_cpu'][1]:.1f} | "
                     f"{r['batch'].removeprefix('eval: ')} |")
    if bench_rows:
        lines += ["", "| `svertka bench` inference | batch | svertka peak RSS | PyTorch peak RSS |",
                  "|---|---:|---:|---:|"]
        for r in bench_rows:
            lines.append(f"| {r['model']} | {r['batch']} | {r['svertka_rss'] / 2**20:.0f} MiB | "
                         f"{r['torch_rss'] / 2**20:.0f} MiB |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images",
                        help="folder of JPEGs with labels.txt (file label ...)")
    parser.add_argument("--count", type=int, default=4,
                        help="images per protocol (AlexNet's protocol takes 4x as many)")
    parser.add_argument("--protocols", default=",".join(PROTOCOLS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bench", action="store_true",
                        help="also `svertka bench` inference peak RSS against PyTorch's")
    parser.add_argument("--svertka", help="the svertka binary (default: build/svertka)")
    parser.add_argument("--out", help="also write the table (Markdown) here")
    parser.add_argument("--torch-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        torch_worker(json.loads(args.torch_worker))
        return
    if not args.images:
        parser.error("--images is required")
    args.protocols = args.protocols.split(",")
    for p in args.protocols:
        if p not in PROTOCOLS:
            parser.error(f"unknown protocol {p}; known: {', '.join(PROTOCOLS)}")
    binary = args.svertka or os.path.join(REPO, "build", "svertka")
    torch_env.ensure_fast_blas()
    blas = torch_env.torch_blas()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(binary, args, tmp)
        bench_rows = measure_bench(binary, args, tmp) if args.bench else []
    text = report(rows, bench_rows, args, blas, (load_before, os.getloadavg()[0]))
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
