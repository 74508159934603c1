#!/usr/bin/python3
"""svertka against PyTorch: same networks, batch sizes and thread count; writes docs/BENCHMARKS.md.

For every model and mode (training: forward + backward + SGD step with momentum 0.9 and weight
decay 5e-4; inference: forward in TEST phase / eval mode under no_grad) the two engines run in turn,
each in its own process so that its peak resident memory is its own (read from wait4's rusage):
svertka through `svertka bench --json`, PyTorch through this script's worker mode, in channels_last
(PyTorch's fast format here) every round and in NCHW in the first round, to show which is faster.
A figure is the median over rounds of each process's median iteration time.

With --precision bf16, svertka runs `bench --precision bf16` (bf16 operands in convolutions and
inner products, fp32 weights, SGD and losses) and PyTorch runs its forward pass under
`torch.autocast("cpu", dtype=torch.bfloat16)` (the backward follows autocast's casts, the SGD step
and master weights stay fp32); svertka's fp32 runs in every round too, for the bf16 speed-up.
The report is then the "Low precision: bf16" section of docs/BENCHMARKS.md, the rest of the file
kept.

With --precision int8 (inference only), svertka runs `bench --int8` (the model quantized as
`svertka quantize` does: s8 weights per output channel, u8/s8 activations per tensor, oneDNN's int8
convolutions and inner products) and PyTorch runs its FX post-training quantization
(prepare_fx / one calibration batch / convert_fx, default qconfig of --qengine: fbgemm or onednn);
svertka's fp32 runs in every round too. The report is the "Low precision: int8" section.

Usage (Debian's python3, which has torch and torchvision; build the CLI first):
  bench/compare_pytorch.py                        all four models, rewrites docs/BENCHMARKS.md
  bench/compare_pytorch.py --precision bf16       the bf16 section of docs/BENCHMARKS.md
  bench/compare_pytorch.py --precision int8       the int8 section of docs/BENCHMARKS.md
  bench/compare_pytorch.py --models alexnet_small --quick     smoke test, writes nothing
"""
import contextlib
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_env  # noqa: E402  (no torch import in this process)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ("alexnet", "vgg16", "googlenet", "alexnet_small")
BATCH = {"alexnet": 32, "vgg16": 8, "googlenet": 16, "alexnet_small": 64}
MODES = ("train", "test")
ENGINES = ("svertka", "channels_last", "nchw")
BF16_SECTION = "## Low precision: bf16"
INT8_SECTION = "## Low precision: int8"
# Same input shapes as bench/torch_models.py's INPUTS (not imported here: the parent stays
# torch-free so that importing torch does not count towards anything it measures).
INPUTS = {"alexnet": (3, 227, 227, 1000), "vgg16": (3, 224, 224, 1000),
          "googlenet": (3, 224, 224, 1000), "alexnet_small": (1, 28, 28, 10)}


# ---------------------------------------------------------------------------------------------
# PyTorch worker: one model, one mode, one memory format; prints a JSON line.

def torch_worker(spec):
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_models

    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    model = spec["model"]
    channels, height, width, classes = torch_models.INPUTS[model]
    net = torch_models.build(model)
    x = torch.randn(spec["batch"], channels, height, width)
    y = torch.randint(0, classes, (spec["batch"],))
    if spec["format"] == "channels_last":
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def autocast():
        if spec["precision"] == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    if spec["mode"] == "train":
        net.train()
        # The same small rate as `svertka bench`: random labels must not blow the weights up.
        opt = torch.optim.SGD(net.parameters(), lr=1e-4, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad(set_to_none=True)
            with autocast():
                logits, aux = net(x)
                loss = F.cross_entropy(logits, y)
                for a in aux:
                    loss = loss + 0.3 * F.cross_entropy(a, y)
            loss.backward()
            opt.step()
    elif spec["precision"] == "int8":
        net = quantize_fx(net.eval(), x, spec["qengine"])

        def step():
            with torch.no_grad():
                net(x)
    else:
        net.eval()

        def step():
            with torch.no_grad(), autocast():
                net(x)

    times = []
    for i in range(spec["warmup"] + spec["iters"]):
        start = time.perf_counter()
        step()
        if i >= spec["warmup"]:
            times.append((time.perf_counter() - start) * 1e3)
    print(json.dumps({"iteration_ms": statistics.median(times), "times_ms": times,
                      "threads": torch.get_num_threads()}))


def quantize_fx(net, x, engine):
    """PyTorch's FX post-training static quantization: observers from the default qconfig of
    `engine`, one calibration batch (x), then the quantized module."""
    import torch
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = engine
    prepared = prepare_fx(net, get_default_qconfig_mapping(engine), example_inputs=(x,))
    with torch.no_grad():
        prepared(x)
    return convert_fx(prepared)


# ---------------------------------------------------------------------------------------------
# Parent: runs the engines in child processes, alternating, and collects figures.

def run_child(cmd):
    """Runs cmd; returns (stdout, peak RSS in bytes of that child alone)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(out)
        raise RuntimeError(f"{' '.join(cmd)} exited with status {proc.returncode}")
    return out, usage.ru_maxrss * 1024  # Linux: KiB


def run_svertka(binary, model, mode, args, json_path, precision=None):
    channels, height, width, classes = INPUTS[model]
    cmd = [binary, "bench", "--model", model, "--batch", str(BATCH[model]),
           "--iters", str(args.iters), "--warmup", str(args.warmup), "--threads", str(args.threads),
           "--input", f"{channels}x{height}x{width}", "--classes", str(classes),
           "--json", json_path]
    precision = precision or args.precision
    cmd += ["--int8"] if precision == "int8" else ["--precision", precision]
    if mode == "train":
        cmd.append("--train")
    _, rss = run_child(cmd)
    with open(json_path) as f:
        result = json.load(f)
    result["peak_rss"] = rss
    return result


def run_torch(model, mode, memory_format, args):
    spec = {"model": model, "mode": mode, "format": memory_format, "batch": BATCH[model],
            "threads": args.threads, "iters": args.iters, "warmup": args.warmup,
            "precision": args.precision, "qengine": args.qengine}
    out, rss = run_child([sys.executable, os.path.abspath(__file__), "--torch-worker",
                          json.dumps(spec)])
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = rss
    return result


def measure(binary, args):
    """{(model, mode): {engine: {"ms": [per round], "rss": max, "fastest": that round's result}}}"""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        json_path = os.path.join(tmp, "svertka.json")
        for model in args.models:
            for mode in (("test",) if args.precision == "int8" else MODES):
                entry = results.setdefault((model, mode), {})
                for r in range(args.rounds):
                    runs = [
                        ("svertka", lambda: run_svertka(binary, model, mode, args, json_path)),
                        ("channels_last", lambda: run_torch(model, mode, "channels_last", args))]
                    if args.precision != "fp32":  # its own fp32, for the speed-up's median
                        runs.insert(1, ("svertka_fp32", lambda: run_svertka(
                            binary, model, mode, args, json_path, "fp32")))
                    if r % 2 == 1:
                        runs.reverse()  # alternate who goes first
                    if r == 0:
                        runs.append(("nchw", lambda: run_torch(model, mode, "nchw", args)))
                    for engine, run in runs:
                        try:
                            res = run()
                        except RuntimeError as error:
                            if args.precision != "int8" or engine == "svertka":
                                raise
                            # PyTorch's quantized kernels refuse some shapes: say so in the table.
                            entry.setdefault(engine, {"ms": [], "rss": 0})["failed"] = str(error)
                            print(f"  {model:<14} {mode:<5} round {r + 1}/{args.rounds} "
                                  f"{engine:<13} failed", flush=True)
                            continue
                        if res["threads"] != args.threads:
                            print(f"warning: {engine} ran {res['threads']} thread(s), not "
                                  f"{args.threads}", file=sys.stderr)
                        e = entry.setdefault(engine, {"ms": [], "rss": 0})
                        e["ms"].append(res["iteration_ms"])
                        e["rss"] = max(e["rss"], res["peak_rss"])
                        if res["iteration_ms"] <= min(e["ms"]):
                            e["fastest"] = res
                        print(f"  {model:<14} {mode:<5} round {r + 1}/{args.rounds} {engine:<13} "
                              f"{res['iteration_ms']:10.1f} ms/iter  peak RSS "
                              f"{res['peak_rss'] / 2**20:7.0f} MiB", flush=True)
    return results


# ---------------------------------------------------------------------------------------------
# Report.

def images_per_s(model, ms):
    return BATCH[model] / (ms / 1e3) if ms < math.inf else 0


def rate(v):
    """Three significant figures without exponents: 0.472, 27.2, 380."""
    return f"{v:.{max(0, 2 - math.floor(math.log10(v)))}f}" if v > 0 else "0"


def rows(results):
    out = []
    for (model, mode), e in results.items():
        sv = statistics.median(e["svertka"]["ms"])
        # A PyTorch format that failed (int8 only) counts as infinitely slow: 0 images/s.
        cl = statistics.median(e["channels_last"]["ms"]) if e["channels_last"]["ms"] else math.inf
        nchw = statistics.median(e["nchw"]["ms"]) if e["nchw"]["ms"] else math.inf
        best = min(cl, nchw)
        last = e["svertka"]["fastest"]
        out.append({
            "model": model, "mode": mode, "batch": BATCH[model], "input": last["input"],
            "svertka": images_per_s(model, sv), "channels_last": images_per_s(model, cl),
            "nchw": images_per_s(model, nchw), "ratio": best / sv,
            "gflops": last["gflops"] * last["iteration_ms"] / sv,
            "torch_gflops": last["gflops"] * last["iteration_ms"] / best,
            "svertka_rss": e["svertka"]["rss"] / 2**20,
            "torch_rss": (e["channels_last"]["rss"] if cl <= nchw else e["nchw"]["rss"]) / 2**20,
            "torch_failed": "; ".join(f"{k}: {e[k]['failed']}" for k in ("channels_last", "nchw")
                                      if "failed" in e[k]),
            "faster_format": "channels_last" if cl <= nchw else "NCHW",
            "svertka_fp32": (images_per_s(model, statistics.median(e["svertka_fp32"]["ms"]))
                             if "svertka_fp32" in e else None),
        })
    return out


def bf16_table(rs):
    lines = ["| model | mode | input | batch | svertka bf16 img/s | PyTorch autocast bf16 "
             "channels_last img/s | PyTorch autocast bf16 NCHW img/s | svertka / PyTorch | "
             "svertka fp32 img/s | svertka bf16 / fp32 | svertka peak RSS | PyTorch peak RSS |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rs:
        fp32 = r["svertka_fp32"]
        fp32_cells = f"{rate(fp32)} | {r['svertka'] / fp32:.2f}" if fp32 else "- | -"
        lines.append(f"| {r['model']} | {r['mode']} | {r['input']} | {r['batch']} | "
                     f"{rate(r['svertka'])} | {rate(r['channels_last'])} | {rate(r['nchw'])} | "
                     f"{r['ratio']:.2f} | {fp32_cells} | "
                     f"{r['svertka_rss']:.0f} MiB | {r['torch_rss']:.0f} MiB |")
    return lines


def bf16_markdown(rs, env, args, started, load_before, load_after, bf16_info):
    out = [BF16_SECTION, "",
           "Generated by `bench/compare_pytorch.py --precision bf16` (this section only).", "",
           f"- Command: `{' '.join(['bench/compare_pytorch.py'] + sys.argv[1:])}`",
           f"- Machine: {env['machine']}; date {started}; svertka {env['svertka']}, oneDNN "
           f"{env['onednn']}; PyTorch {env['torch']}",
           f"- oneDNN ISA: svertka {env['svertka_isa']}, bf16 {bf16_info}; PyTorch "
           f"{env['torch_isa']}.",
           "- svertka: `bench --precision bf16`: convolutions and inner products on bf16 operands "
           "with fp32 accumulation and fp32 results; activations between layers, weights, SGD "
           "and losses fp32. PyTorch: forward and loss under `torch.autocast(\"cpu\", "
           "dtype=torch.bfloat16)`, backward through autocast's casts, fp32 SGD.",
           f"- {args.threads} thread(s), medians over {args.rounds} round(s) of {args.iters} timed "
           f"iterations after {args.warmup} warm-up; svertka fp32 in every round, PyTorch NCHW "
           "in the first round only. svertka / PyTorch: against PyTorch's faster format.",
           f"- Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}.", ""]
    out += bf16_table(rs)
    return "\n".join(out).rstrip() + "\n"


def int8_table(rs):
    lines = ["| model | input | batch | svertka int8 img/s | PyTorch int8 channels_last img/s | "
             "PyTorch int8 NCHW img/s | svertka / PyTorch | svertka fp32 img/s | "
             "svertka int8 / fp32 | svertka peak RSS | PyTorch peak RSS |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    failures = []
    for r in rs:
        fp32 = r["svertka_fp32"]
        fp32_cells = f"{rate(fp32)} | {r['svertka'] / fp32:.2f}" if fp32 else "- | -"
        cells = [rate(r[k]) if r[k] else "failed" for k in ("channels_last", "nchw")]
        ratio = f"{r['ratio']:.2f}" if r["ratio"] < math.inf else "-"
        torch_rss = f"{r['torch_rss']:.0f} MiB" if r["ratio"] < math.inf else "-"
        lines.append(f"| {r['model']} | {r['input']} | {r['batch']} | {rate(r['svertka'])} | "
                     f"{cells[0]} | {cells[1]} | {ratio} | {fp32_cells} | "
                     f"{r['svertka_rss']:.0f} MiB | {torch_rss} |")
        if r["torch_failed"]:
            failures.append(f"- PyTorch int8 on {r['model']} failed: {r['torch_failed']}")
    return lines + ([""] + failures if failures else [])


def int8_markdown(rs, env, args, started, load_before, load_after, vnni):
    out = [INT8_SECTION, "",
           "Generated by `bench/compare_pytorch.py --precision int8` (this section only).", "",
           f"- Command: `{' '.join(['bench/compare_pytorch.py'] + sys.argv[1:])}`",
           f"- Machine: {env['machine']}; date {started}; svertka {env['svertka']}, oneDNN "
           f"{env['onednn']}; PyTorch {env['torch']}",
           f"- oneDNN ISA: svertka {env['svertka_isa']} (int8 dot products "
           f"{'in one instruction (VNNI)' if vnni else 'without VNNI'}); PyTorch "
           f"{env['torch_isa']}.",
           "- Inference only. svertka: `bench --int8`: the model quantized as `svertka quantize` "
           "does (s8 weights per output channel, u8/s8 activations per tensor, scales from one "
           "random image), oneDNN's int8 convolutions and inner products (s32 accumulation; u8 "
           "codes from one int8 layer to the next through its fused ReLU and max pooling, and "
           "from an LRN to the int8 layer reading it (with AVX-512), fp32 elsewhere); LRN, "
           "concat, average pooling and softmax compute in fp32. PyTorch: FX "
           f"post-training static quantization, engine {args.qengine}, default qconfig, one "
           "calibration batch.",
           f"- {args.threads} thread(s), medians over {args.rounds} round(s) of {args.iters} timed "
           f"iterations after {args.warmup} warm-up; svertka fp32 in every round, PyTorch NCHW "
           "in the first round only. svertka / PyTorch: against PyTorch's faster format.",
           f"- Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}: the "
           "machine is shared, so only ratios within this run mean much.", ""]
    out += int8_table(rs)
    return "\n".join(out).rstrip() + "\n"


def write_section(out, section, text):
    """Replaces `section` (up to the next "## " heading) in `out`, or appends it."""
    old = open(out).read() if os.path.exists(out) else ""
    if section in old:
        before, rest = old.split(section, 1)
        after = rest.split("\n## ", 1)
        tail = "\n## " + after[1] if len(after) > 1 else ""
        new = before + text.rstrip() + "\n" + tail
    else:
        new = old.rstrip() + "\n\n" + text
    with open(out + ".tmp", "w") as f:
        f.write(new)
    os.replace(out + ".tmp", out)


def top_layers(run, count=5):
    layers = sorted(run["layers"], key=lambda l: -(l["forward_ms"] + l["backward_ms"]))
    total = sum(l["forward_ms"] + l["backward_ms"] for l in run["layers"])
    return [(l, (l["forward_ms"] + l["backward_ms"]) / total) for l in layers[:count]], total


def table(rs):
    lines = ["| model | mode | input | batch | svertka img/s | PyTorch channels_last img/s | "
             "PyTorch NCHW img/s | svertka / PyTorch | svertka GFLOP/s | PyTorch GFLOP/s | "
             "svertka peak RSS | PyTorch peak RSS |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rs:
        lines.append(f"| {r['model']} | {r['mode']} | {r['input']} | {r['batch']} | "
                     f"{rate(r['svertka'])} | {rate(r['channels_last'])} | {rate(r['nchw'])} | "
                     f"{r['ratio']:.2f} | {r['gflops']:.1f} | {r['torch_gflops']:.1f} | "
                     f"{r['svertka_rss']:.0f} MiB | {r['torch_rss']:.0f} MiB |")
    return lines


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def environment(args, torch_info, svertka_run):
    import torch
    import torchvision
    model = "unknown"
    for line in command_output(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    onednn_in_torch = next((l.split("v", 1)[-1].split()[0] for l in
                            torch.__config__.show().splitlines() if "MKL-DNN" in l), "unknown")
    isa = svertka_run.get("onednn_isa", "unknown")
    # --no-optional-locks: read the tree's state without refreshing the index.
    commit = command_output(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    dirty = command_output(["git", "--no-optional-locks", "-C", REPO, "status", "--porcelain"])
    return {
        "machine": f"{model}, {os.cpu_count()} cores",
        "svertka": commit + (" + uncommitted changes" if dirty not in ("", "unknown") else ""),
        "onednn": command_output(["dpkg-query", "-W", "-f=${Version}", "libdnnl-dev"]),
        "torch": f"{torch.__version__} (its oneDNN {onednn_in_torch})",
        "torchvision": torchvision.__version__,
        "python": platform.python_version(),
        "compiler": command_output(["c++", "--version"]).splitlines()[0],
        "build": svertka_run.get("build", "unknown"),
        "svertka_isa": isa,
        "torch_blas": torch_info["blas"],
        "torch_isa": torch_info["isa"],
    }


def markdown(rs, results, env, args, started, load_before, load_after):
    out = ["# Benchmarks: svertka against PyTorch on CPU", "",
           "Generated by `bench/compare_pytorch.py`; do not edit by hand, rerun the script.", "",
           f"- Command: `{' '.join(['bench/compare_pytorch.py'] + sys.argv[1:])}`",
           f"- Machine: {env['machine']}; date {started}",
           f"- Versions: svertka {env['svertka']} ({env['compiler']}, -O3, built "
           f"{env['build']}), oneDNN {env['onednn']}; PyTorch {env['torch']}, torchvision "
           f"{env['torchvision']}, Python {env['python']}",
           f"- oneDNN ISA: svertka {env['svertka_isa']}; PyTorch {env['torch_isa']}. PyTorch's "
           f"BLAS: {env['torch_blas']} (bench/torch_env.py installs OpenBLAS and refuses the "
           "reference BLAS, which would make its fully connected layers crawl).",
           f"- Both engines: {args.threads} thread(s), the same architectures, batch sizes and "
           "random inputs. Each figure is the median over "
           f"{args.rounds} round(s) of one process's median of {args.iters} timed iterations "
           f"(after {args.warmup} warm-up); the engines alternate within a round; PyTorch NCHW "
           "ran in the first round only.",
           "- train = forward + backward + SGD step (momentum 0.9, weight decay 5e-4; GoogLeNet "
           "with both auxiliary heads); test = forward only (TEST phase / eval + no_grad).",
           "- svertka / PyTorch: images/s ratio against PyTorch's faster memory format "
           "(above 1: svertka is faster). GFLOP/s are effective: 2 x forward MACs per iteration, "
           "x3 for training. Peak RSS is each engine's process, interpreter and libraries "
           "included.",
           f"- Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f} (the "
           "machine may be shared; figures are noisier the higher this is).", "",
           "## Throughput", ""]
    out += table(rs)
    out += ["", "Each process's median ms per iteration, by round (the spread shows the noise):",
            "",
            "| model | mode | svertka | PyTorch channels_last | PyTorch NCHW |",
            "|---|---|---|---|---|"]
    for (model, mode), e in results.items():
        cells = [", ".join(f"{ms:.0f}" for ms in e[k]["ms"]) for k in ENGINES]
        out.append(f"| {model} | {mode} | " + " | ".join(cells) + " |")
    faster = sorted({f"{r['model']} {r['mode']}: {r['faster_format']}" for r in rs})
    out += ["", "PyTorch's faster format per run: " + "; ".join(faster) + ".", "",
            "## Where svertka's training time goes", "",
            "Top five layers by median forward + backward time, from the least disturbed "
            "(fastest) `svertka bench --train` round; share of the sum of all layer medians.", ""]
    for (model, mode), e in results.items():
        if mode != "train":
            continue
        run = e["svertka"]["fastest"]
        top, total = top_layers(run)
        out += [f"### {model} (sum of layer medians {total:.1f} ms; SGD update "
                f"{run['update_ms']:.1f} ms)", "",
                "| layer | type | forward ms | backward ms | share |", "|---|---|---:|---:|---:|"]
        for layer, share in top:
            out.append(f"| {layer['name']} | {layer['type']} | {layer['forward_ms']:.1f} | "
                       f"{layer['backward_ms']:.1f} | {share * 100:.0f}% |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def find_binary(given):
    candidates = [given] if given else [os.path.join(REPO, d, "svertka")
                                        for d in ("build", "build-bench")]
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    sys.exit(f"compare_pytorch.py: no svertka binary at {', '.join(candidates)}; build it "
             "(make build) or pass --svertka PATH")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated, from {', '.join(MODELS)} (default: all)")
    parser.add_argument("--iters", type=int, default=5, help="timed iterations per process")
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations per process")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per model/mode")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for both engines (default: all cores)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 iteration, 1 warm-up, 1 round; writes no report "
                             "unless --out is given")
    parser.add_argument("--svertka", help="path of the svertka binary (default: build/svertka)")
    parser.add_argument("--out", help="report path (default: docs/BENCHMARKS.md)")
    parser.add_argument("--allow-reference-blas", action="store_true",
                        help="measure PyTorch even if it loads the reference BLAS (its ratios "
                             "are then inflated)")
    parser.add_argument("--precision", choices=("fp32", "bf16", "int8"), default="fp32",
                        help="bf16: svertka --precision bf16 against PyTorch autocast bf16; "
                             "int8: svertka bench --int8 against PyTorch's FX post-training "
                             "quantization, inference only (each writes its section of the "
                             "report)")
    parser.add_argument("--qengine", choices=("onednn", "fbgemm", "qnnpack"), default="onednn",
                        help="PyTorch's quantized engine for --precision int8 (Debian's "
                             "PyTorch 1.13 has onednn and qnnpack, no fbgemm)")
    parser.add_argument("--torch-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_worker:
        torch_worker(json.loads(args.torch_worker))
        return 0
    args.models = [m for m in args.models.split(",") if m]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    if args.quick:
        args.iters, args.warmup, args.rounds = 1, 1, 1
    binary = find_binary(args.svertka)
    torch_info = torch_env.prepare(allow_reference=args.allow_reference_blas)

    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    load_before = os.getloadavg()[0]
    print(f"svertka ({binary}) vs PyTorch, {args.threads} thread(s), "
          f"models {', '.join(args.models)}")
    results = measure(binary, args)
    load_after = os.getloadavg()[0]
    rs = rows(results)
    shown = {"fp32": table, "bf16": bf16_table, "int8": int8_table}[args.precision](rs)
    print("\n".join([""] + shown))
    out = args.out or (None if args.quick else os.path.join(REPO, "docs", "BENCHMARKS.md"))
    if out and args.precision == "int8":
        first = next(iter(results.values()))["svertka"]["fastest"]
        write_section(out, INT8_SECTION,
                      int8_markdown(rs, environment(args, torch_info, first), args, started,
                                    load_before, load_after, first.get("int8_vnni", False)))
        print(f"\nwrote the int8 section of {out}")
    elif out and args.precision != "fp32":
        first = next(iter(results.values()))["svertka"]["fastest"]
        write_section(out, BF16_SECTION,
                      bf16_markdown(rs, environment(args, torch_info, first), args, started,
                                    load_before, load_after, first.get("bf16", "unknown")))
        print(f"\nwrote the bf16 section of {out}")
    elif out:
        first = next(iter(results.values()))["svertka"]["fastest"]
        text = markdown(rs, results, environment(args, torch_info, first), args, started,
                        load_before, load_after)
        # The data-pipeline section belongs to compare_data_pipeline.py: keep it.
        marker = "## Data pipeline"
        if os.path.exists(out) and marker in open(out).read():
            text = text.rstrip() + "\n\n" + marker + open(out).read().split(marker, 1)[1]
        with open(out + ".tmp", "w") as f:
            f.write(text)
        os.replace(out + ".tmp", out)
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
