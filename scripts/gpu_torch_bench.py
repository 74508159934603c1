"""PyTorch's side of the GPU throughput table (scripts/gpu_check.sh): the zoo's AlexNet, VGG-16 and
GoogLeNet as bench/torch_models.py builds them, on the GPU, channels_last, cudnn.benchmark on, TF32
on for convolutions and matrix products (as svertka_gpu_check's throughput device), SGD with
momentum for training; the batch sizes of bench/compare_pytorch.py. Writes a tab-separated table
to stdout with the same columns as svertka_gpu_check's throughput.tsv.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import torch_models  # noqa: E402

RUNS = [("alexnet", 256), ("vgg16", 64), ("googlenet", 128)]


def logits_of(output):
    return output[0] if isinstance(output, (tuple, list)) else output


def measure(name, batch, train, iterations, warmup=3, layout=torch.channels_last, copy=None):
    """copy: None (the batch stays on the GPU), "pageable" or "pinned" (copied in every step)."""
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    model = torch_models.build(name).cuda().to(memory_format=layout)
    model.train(train)
    channels, height, width, classes = torch_models.INPUTS[name]
    x = torch.randn(batch, channels, height, width, device="cuda").to(memory_format=layout)
    host_x = x.cpu().pin_memory() if copy == "pinned" else x.cpu()
    y = torch.randint(0, classes, (batch,), device="cuda")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        nonlocal x
        if copy:
            x = host_x.to("cuda", non_blocking=copy == "pinned").to(memory_format=layout)
        if train:
            optimizer.zero_grad(set_to_none=True)
            outputs = model(x)
            logits = logits_of(outputs)
            loss = loss_fn(logits, y)
            if isinstance(outputs, (tuple, list)) and len(outputs) > 1:
                for aux in outputs[1]:  # GoogLeNet's auxiliary heads, weight 0.3
                    loss = loss + 0.3 * loss_fn(aux, y)
            loss.backward()
            optimizer.step()
        else:
            with torch.no_grad():
                model(x)

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - start) / iterations * 1e3
    peak = torch.cuda.max_memory_reserved() / 2**20
    return batch / (ms / 1e3), ms, peak


def variants(device):
    """Diagnostic (--variants): what the memory layout and the batch's copy cost PyTorch."""
    print("net\tbatch\tmode\tvariant\timages_per_s\tms_per_batch\tpeak_reserved_MiB\tdevice")
    for name, batch in RUNS:
        for train in (True, False):
            for label, layout, copy in (("NCHW", torch.contiguous_format, None),
                                        ("channels_last, copy from pageable", torch.channels_last, "pageable"),
                                        ("channels_last, copy from pinned", torch.channels_last, "pinned")):
                images, ms, peak = measure(name, batch, train, 5, layout=layout, copy=copy)
                print(f"{name}\t{batch}\t{'train' if train else 'inference'}\t{label}\t{images:.1f}\t{ms:.2f}"
                      f"\t{peak:.0f}\t{device}", flush=True)


def profile():
    """Diagnostic (--profile): PyTorch's own GPU kernels in three training steps of AlexNet and
    VGG-16 (channels_last), the 20 that took longest, to compare with svertka's layers.tsv."""
    for name, batch in RUNS[:2]:
        model = torch_models.build(name).cuda().to(memory_format=torch.channels_last)
        channels, height, width, classes = torch_models.INPUTS[name]
        x = torch.randn(batch, channels, height, width, device="cuda").to(memory_format=torch.channels_last)
        y = torch.randint(0, classes, (batch,), device="cuda")
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss_fn(logits_of(model(x)), y).backward()
            optimizer.step()

        for _ in range(3):
            step()
        torch.cuda.synchronize()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            for _ in range(3):
                step()
            torch.cuda.synchronize()
        print(f"== PyTorch kernels, {name} batch {batch}, 3 training steps")
        print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=20, max_name_column_width=90),
              flush=True)


def main():
    quick = "--quick" in sys.argv
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    device = "{} torch {} cuDNN {} TF32 on".format(
        torch.cuda.get_device_name(0), torch.__version__, torch.backends.cudnn.version())
    if "--variants" in sys.argv:
        variants(device)
        return
    if "--profile" in sys.argv:
        profile()
        return
    print("net\tbatch\tmode\timages_per_s\tms_per_batch\tpeak_reserved_MiB\tdevice")
    for name, batch in RUNS:
        for train in (True, False):
            images, ms, peak = measure(name, batch, train, 3 if quick else 10)
            print(f"{name}\t{batch}\t{'train' if train else 'inference'}\t{images:.1f}\t{ms:.2f}\t{peak:.0f}\t{device}",
                  flush=True)


if __name__ == "__main__":
    main()
