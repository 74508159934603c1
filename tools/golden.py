#!/usr/bin/python3
"""Golden fixtures: the svertka zoo rebuilt in PyTorch, for tests/unit/golden_test.cc.

For each model this draws parameters, an input batch and labels, runs one forward pass in train mode
(GoogLeNet's auxiliary heads active, every dropout disabled) and one backward pass of the total loss,
and writes a safetensors file holding

  param/<name>   every parameter, named as the C++ Net names it ("conv1.weight", "loss1/fc.bias")
  grad/<name>    its gradient
  input/data     (N, 3, H, W)          input/label  (N) class indices as floats
  output/logits  (N, classes)          output/loss  (1) main cross-entropy (mean over the batch)
                                                     + 0.3 * (aux1 + aux2) for GoogLeNet
  metadata       model, width_divisor, height, width, batch, classes; seed, input_draw and the
                 conditioning figures (relu_margin, biases_nudged, pool_gap, pool_near_ties)

The forward/backward runs in float64 on parameters and inputs drawn in float32 (exactly
representable), so the stored float32 results are the exact answer rounded once: the C++ test then
measures svertka's own float32 error, not the sum of two implementations' errors. Fixtures are
kept away from ReLU and max-pool kinks, where no float32 implementation can follow float64 (see
"Conditioning" below).

Usage (Debian's python3, which has torch and torchvision):
  tools/golden.py                     reduced fixtures into tests/golden/ (committed)
  tools/golden.py --full --out DIR    full-size AlexNet 227, VGG-16 224, GoogLeNet 224 (make golden)
  tools/golden.py --check-only        only verify the PyTorch-vs-Caffe pooling/LRN rules
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models import vgg as tv_vgg

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------
# Caffe's rules, written out from caffe/src/caffe/layers/{pooling,lrn}_layer.cpp, to verify that
# the PyTorch modules used below compute the same thing (rather than assuming it).

def caffe_pool(x, method, kernel, stride, pad):
    """Caffe's Pooling forward on a (N, C, H, W) float64 array."""
    n, c, h, w = x.shape

    def pooled(size):
        out = int(np.ceil((size + 2 * pad - kernel) / stride)) + 1
        if pad > 0 and (out - 1) * stride >= size + pad:
            out -= 1
        return out

    oh, ow = pooled(h), pooled(w)
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            hs, ws = i * stride - pad, j * stride - pad
            he, we = min(hs + kernel, h + pad), min(ws + kernel, w + pad)
            divisor = (he - hs) * (we - ws)  # before clipping: padded cells count
            hs, ws, he, we = max(hs, 0), max(ws, 0), min(he, h), min(we, w)
            window = x[:, :, hs:he, ws:we]
            if method == "max":
                y[:, :, i, j] = window.max(axis=(2, 3))
            else:
                y[:, :, i, j] = window.sum(axis=(2, 3)) / divisor
    return y


def caffe_lrn(x, size, alpha, beta, k):
    """Caffe's LRN ACROSS_CHANNELS: x / (k + alpha/size * sum of squares over the window)^beta."""
    c = x.shape[1]
    half = (size - 1) // 2
    y = np.empty_like(x)
    for ch in range(c):
        lo, hi = max(0, ch - half), min(c, ch + half + 1)
        scale = k + alpha / size * (x[:, lo:hi] ** 2).sum(axis=1)
        y[:, ch] = x[:, ch] / scale ** beta
    return y


def check_caffe_rules():
    """Asserts that PyTorch's ceil_mode pooling (count_include_pad=True for average) and
    LocalResponseNorm agree with Caffe's rules on shapes with partial and padded last windows."""
    rng = np.random.default_rng(0)
    cases = [  # (H, W, kernel, stride, pad): each exercises a different edge of the rules
        (55, 55, 3, 2, 0),  # AlexNet pool1: exact fit
        (23, 23, 3, 2, 0),  # reduced AlexNet: exact fit
        (112, 112, 3, 2, 0),  # GoogLeNet pool1: ceil adds a partial last window
        (6, 6, 5, 3, 0),  # reduced GoogLeNet aux head: a partial window, divisor 3 not 5
        (14, 14, 5, 3, 0),  # GoogLeNet aux head
        (7, 9, 3, 2, 1),  # padding and ceil: the drop-last-window rule
        (8, 8, 3, 2, 1),
        (6, 5, 3, 1, 1),  # Inception's pool branch
        (10, 11, 4, 3, 2),
    ]
    for h, w, kernel, stride, pad in cases:
        x = rng.standard_normal((2, 3, h, w))
        t = torch.from_numpy(x)
        got_max = F.max_pool2d(t, kernel, stride, pad, ceil_mode=True).numpy()
        got_avg = F.avg_pool2d(t, kernel, stride, pad, ceil_mode=True,
                               count_include_pad=True).numpy()
        for method, got in (("max", got_max), ("ave", got_avg)):
            want = caffe_pool(x, method, kernel, stride, pad)
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-12, atol=1e-12):
                raise AssertionError(f"{method} pooling {h}x{w} k{kernel} s{stride} p{pad}: "
                                     f"torch {got.shape} != caffe {want.shape}")
    x = rng.standard_normal((2, 7, 4, 3)) * 50
    got = nn.LocalResponseNorm(5, 1e-4, 0.75, 1.0)(torch.from_numpy(x)).numpy()
    want = caffe_lrn(x, 5, 1e-4, 0.75, 1.0)
    if not np.allclose(got, want, rtol=1e-12, atol=1e-12):
        raise AssertionError("LocalResponseNorm differs from Caffe's LRN")


# ---------------------------------------------------------------------------------------------
# The networks. Layer names are the C++ layer names, so a parameter is "<layer>.weight"/".bias".
# Dropout is kept in place with p = 0 so the structure mirrors models/*.cc.

LRN = dict(size=5, alpha=1e-4, beta=0.75, k=1.0)


def reduced(channels, width_divisor):
    return max(1, channels // width_divisor)  # ModelOptions::reduced


def flat_features(features, channels, height, width):
    with torch.no_grad():
        return features(torch.zeros(1, channels, height, width)).numel()


class ZooNet(nn.Module):
    """A zoo model: learnable layers by C++ layer name; forward returns (logits, [aux logits])."""

    def layer_modules(self):  # [(C++ layer name, Conv2d or Linear)] in C++ order
        return list(self.layers.items())

    def named_params(self):  # [("<layer>.weight" / ".bias", parameter)], the C++ Net's names
        return [(f"{layer}.{kind}", p) for layer, m in self.layer_modules()
                for kind, p in m.named_parameters()]


class AlexNet(ZooNet):
    """models/alexnet.cc: bvlc_alexnet, groups 2 in conv2/4/5, LRN after relu1/relu2 before pooling."""

    def __init__(self, width_divisor, classes, height, width):
        super().__init__()
        r = lambda c: reduced(c, width_divisor)
        L = self.layers = nn.ModuleDict()
        L["conv1"] = nn.Conv2d(3, r(96), 11, stride=4)
        L["conv2"] = nn.Conv2d(r(96), r(256), 5, padding=2, groups=2)
        L["conv3"] = nn.Conv2d(r(256), r(384), 3, padding=1)
        L["conv4"] = nn.Conv2d(r(384), r(384), 3, padding=1, groups=2)
        L["conv5"] = nn.Conv2d(r(384), r(256), 3, padding=1, groups=2)
        self.lrn = nn.LocalResponseNorm(**LRN)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        L["fc6"] = nn.Linear(flat_features(self.features, 3, height, width), r(4096))
        L["fc7"] = nn.Linear(r(4096), r(4096))
        L["fc8"] = nn.Linear(r(4096), classes)
        self.drop = nn.Dropout(0.0)

    def features(self, x):
        L = self.layers
        x = self.pool(self.lrn(F.relu(L["conv1"](x))))  # relu1, norm1, pool1
        x = self.pool(self.lrn(F.relu(L["conv2"](x))))  # relu2, norm2, pool2
        x = F.relu(L["conv3"](x))
        x = F.relu(L["conv4"](x))
        return self.pool(F.relu(L["conv5"](x)))  # relu5, pool5

    def forward(self, x):
        L = self.layers
        x = torch.flatten(self.features(x), 1)
        x = self.drop(F.relu(L["fc6"](x)))
        x = self.drop(F.relu(L["fc7"](x)))
        return L["fc8"](x), []



VGG_DEPTH_CFG = {11: "A", 13: "B", 16: "D", 19: "E"}


class Vgg(ZooNet):
    """models/vgg.cc on torchvision's VGG. torchvision builds `features` with make_layers from its
    configuration table, which we scale by the width divisor; its `avgpool` is
    AdaptiveAvgPool2d(7, 7) and its classifier's first layer takes 512*7*7 inputs, neither of which
    exists in Caffe's VGG: at 224 px the adaptive pool is an identity, but at a reduced input size it
    would upsample the feature map, so it is replaced by nn.Identity and the three classifier Linear
    layers by ones of the reduced widths (dropout 0 via VGG's own `dropout` argument)."""

    def __init__(self, depth, width_divisor, classes, height, width):
        super().__init__()
        r = lambda c: reduced(c, width_divisor)
        cfg = [v if v == "M" else r(v) for v in tv_vgg.cfgs[VGG_DEPTH_CFG[depth]]]
        self.net = tv_vgg.VGG(tv_vgg.make_layers(cfg), num_classes=classes, init_weights=False,
                              dropout=0.0)
        self.net.avgpool = nn.Identity()
        cls = self.net.classifier
        cls[0] = nn.Linear(flat_features(self.net.features, 3, height, width), r(4096))
        cls[3] = nn.Linear(r(4096), r(4096))
        cls[6] = nn.Linear(r(4096), classes)
        # C++ names: conv<block>_<i> in order, blocks ending at each "M"; fc6/fc7/fc8.
        self.names = {}
        block, i = 1, 1
        for index, m in enumerate(self.net.features):
            if isinstance(m, nn.Conv2d):
                self.names[f"features.{index}"] = f"conv{block}_{i}"
                i += 1
            elif isinstance(m, nn.MaxPool2d):
                block, i = block + 1, 1
        self.names.update({"classifier.0": "fc6", "classifier.3": "fc7", "classifier.6": "fc8"})

    def forward(self, x):
        return self.net(x), []

    def layer_modules(self):
        return [(self.names[k], m) for k, m in self.net.named_modules() if k in self.names]


# Inception widths (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), the paper's Table 1.
INCEPTION = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128), "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


class GoogLeNet(ZooNet):
    """models/googlenet.cc: bvlc_googlenet with both auxiliary heads (train mode)."""

    def __init__(self, width_divisor, classes, height, width):
        super().__init__()
        self.r = lambda c: reduced(c, width_divisor)
        r = self.r
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.branch_pool = nn.MaxPool2d(3, 1, padding=1, ceil_mode=True)
        self.aux_pool = nn.AvgPool2d(5, 3, ceil_mode=True, count_include_pad=True)
        self.lrn = nn.LocalResponseNorm(**LRN)
        self.main_drop = nn.Dropout(0.0)  # pool5/drop_7x7_s1, 0.4 in the model
        self.aux_drop = nn.Dropout(0.0)  # loss{1,2}/drop_fc, 0.7 in the model
        self.layers = nn.ModuleDict()
        self.conv("conv1/7x7_s2", 3, r(64), 7, stride=2, pad=3)
        self.conv("conv2/3x3_reduce", r(64), r(64), 1)
        self.conv("conv2/3x3", r(64), r(192), 3, pad=1)
        channels = r(192)
        for name in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
            channels = self.inception_layers(name, channels)
            if name == "4a":
                self.aux_layers("loss1", channels, classes, height, width, after="4a")
            if name == "4d":
                self.aux_layers("loss2", channels, classes, height, width, after="4d")
        self.layers["loss3/classifier"] = nn.Linear(channels, classes)

    def conv(self, name, cin, cout, kernel, stride=1, pad=0):
        self.layers[name] = nn.Conv2d(cin, cout, kernel, stride=stride, padding=pad)

    def inception_layers(self, name, cin):
        c1, r3, c3, r5, c5, pp = (self.r(v) for v in INCEPTION[name])
        s = f"inception_{name}"
        self.conv(f"{s}/1x1", cin, c1, 1)
        self.conv(f"{s}/3x3_reduce", cin, r3, 1)
        self.conv(f"{s}/3x3", r3, c3, 3, pad=1)
        self.conv(f"{s}/5x5_reduce", cin, r5, 1)
        self.conv(f"{s}/5x5", r5, c5, 5, pad=2)
        self.conv(f"{s}/pool_proj", cin, pp, 1)
        return c1 + c3 + c5 + pp

    def aux_layers(self, scope, cin, classes, height, width, after):
        # The aux head's map size: run the trunk up to `after` on zeros (shape only).
        self.conv(f"{scope}/conv", cin, self.r(128), 1)
        with torch.no_grad():
            trunk = self.trunk(torch.zeros(1, 3, height, width), stop_after=after)
            spatial = self.aux_pool(trunk)
        self.layers[f"{scope}/fc"] = nn.Linear(self.r(128) * spatial.shape[2] * spatial.shape[3],
                                               self.r(1024))
        self.layers[f"{scope}/classifier"] = nn.Linear(self.r(1024), classes)

    def cr(self, name, x):  # conv + ReLU ("<scope>/relu_<what>")
        return F.relu(self.layers[name](x))

    def inception(self, name, x):
        s = f"inception_{name}"
        pool = self.branch_pool  # inception_<name>/pool: max 3/1 pad 1
        b1 = self.cr(f"{s}/1x1", x)
        b3 = self.cr(f"{s}/3x3", self.cr(f"{s}/3x3_reduce", x))
        b5 = self.cr(f"{s}/5x5", self.cr(f"{s}/5x5_reduce", x))
        bp = self.cr(f"{s}/pool_proj", pool(x))
        return torch.cat([b1, b3, b5, bp], 1)  # inception_<name>/output

    def aux(self, scope, x):
        y = self.aux_pool(x)  # <scope>/ave_pool: avg 5/3
        y = torch.flatten(self.cr(f"{scope}/conv", y), 1)
        y = self.aux_drop(F.relu(self.layers[f"{scope}/fc"](y)))
        return self.layers[f"{scope}/classifier"](y)

    def trunk(self, x, stop_after=None, taps=None):
        """conv1 .. inception_5b; with `taps`, records the aux heads' inputs (after 4a and 4d)."""
        pool, lrn = self.pool, self.lrn
        x = pool(self.cr("conv1/7x7_s2", x))  # pool1/3x3_s2
        x = lrn(x)  # pool1/norm1
        x = self.cr("conv2/3x3", self.cr("conv2/3x3_reduce", x))
        x = pool(lrn(x))  # conv2/norm2, pool2/3x3_s2
        for name in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
            x = self.inception(name, x)
            if taps is not None and name in ("4a", "4d"):
                taps.append(x)
            if name == stop_after:
                return x
            if name in ("3b", "4e"):
                x = pool(x)  # pool3/3x3_s2, pool4/3x3_s2
        return x

    def forward(self, x):
        taps = []
        x = self.trunk(x, taps=taps)
        x = x.mean(dim=(2, 3), keepdim=True)  # pool5/7x7_s1: global average
        x = torch.flatten(self.main_drop(x), 1)
        logits = self.layers["loss3/classifier"](x)
        return logits, [self.aux("loss1", taps[0]), self.aux("loss2", taps[1])]



def build(model, width_divisor, classes, height, width):
    if model == "alexnet":
        return AlexNet(width_divisor, classes, height, width)
    if model.startswith("vgg"):
        return Vgg(int(model[3:]), width_divisor, classes, height, width)
    if model == "googlenet":
        return GoogLeNet(width_divisor, classes, height, width)
    raise ValueError(f"unknown model {model}")


# ---------------------------------------------------------------------------------------------

CLASSIFIERS = ("fc8", "loss1/classifier", "loss2/classifier", "loss3/classifier")
INPUT_STD = 50.0  # like mean-subtracted pixels: large enough that LRN changes values by ~10-30%


def draw_parameters(named, generator):
    """He-normal weights (activations keep their scale through ReLU layers, so LRN sees inputs of
    ~INPUT_STD), N(0, 0.01) biases; the classifiers are scaled down by INPUT_STD so the logits are
    O(1) and the softmax is not saturated."""
    with torch.no_grad():
        for name, p in named:
            layer, kind = name.rsplit(".", 1)
            if kind == "bias":
                std = 0.01
            else:
                std = (2.0 / (p[0].numel())) ** 0.5
                if layer in CLASSIFIERS:
                    std = (1.0 / p[0].numel()) ** 0.5 / INPUT_STD
            p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float32) * std)


def to_f32(t):
    return np.ascontiguousarray(t.detach().to(torch.float32).numpy(), dtype="<f4")


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, float32 ndarray). The format: u64 LE header length, JSON header
    (padded with spaces to a multiple of 8), then the raw little-endian data."""
    header, offset = {}, 0
    for name, array in tensors:
        size = array.size * 4
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, array in tensors:
            f.write(array.astype("<f4", copy=False).tobytes())
    os.replace(tmp, path)


# Conditioning. A float32 implementation cannot reproduce the float64 answer at a kink: a ReLU
# input whose float64 value is within float32 rounding of 0, or a max-pool window whose two largest
# (distinct) values are that close, may go the other way, and one such element moves a whole
# gradient by up to a few percent (seen: full VGG-16, one conv5_2 pre-activation of 1.0e-5 where the
# layer's largest is 758 flipped in both svertka and PyTorch float32, conv5_2.weight's gradient off
# by 5.5e-2). Float32 errors of pre-activations and pooling inputs measured up to ~5e-6 of the
# layer's rms at full size. So:
# - every layer that feeds a ReLU (all but the classifiers) gets per-channel bias nudges, in forward
#   order, until none of its outputs lies within RELU_MARGIN * rms(channel outputs) of 0 (a larger
#   margin leaves no gap to move to in channels of 50k elements, such as VGG's conv1_1);
# - the input batch is redrawn (up to MAX_DRAWS times) while some max-pool window has two distinct
#   values within POOL_GAP * rms(input) of each other at its top; a bias cannot separate values of
#   one channel. Full-size GoogLeNet, with ~2M stride-1 Inception pool windows, always has a few:
#   the draw with fewest is kept and their count recorded in the metadata ("pool_near_ties").
#   Exact ties (a maximum shared by overlapping windows, or zeros) are harmless: the gradient
#   reaches the same element either way.
RELU_MARGIN = 2e-5
POOL_GAP = 1e-6
MAX_DRAWS = 8


def pool_near_ties(module, x, out):
    """Windows of MaxPool2d `module` (input x, output out) whose largest two distinct values are
    within POOL_GAP * rms(x), counted where the largest is positive."""
    k, st, p = module.kernel_size, module.stride, module.padding
    with torch.no_grad():
        padded = F.pad(x, (p, p + k, p, p + k), value=float("-inf"))
        windows = padded.unfold(2, k, st).unfold(3, k, st)[:, :, :out.shape[2], :out.shape[3]]
        top = windows.reshape(*out.shape, k * k).topk(2, dim=-1).values
        gap = top[..., 0] - top[..., 1]
        limit = POOL_GAP * x.pow(2).mean().sqrt()
        return int(((top[..., 0] > 0) & (gap > 0) & (gap < limit)).sum())


def condition(net, data, relu_margin=RELU_MARGIN):
    """Runs net (float64) on data, nudging the bias of each channel with a ReLU input within
    relu_margin * rms(channel) of 0 until its inputs clear twice that (the slack absorbs the change
    of the rms itself). Returns (biases nudged, max-pool near-ties found)."""
    relu_layers = [(n, m) for n, m in net.layer_modules() if n not in CLASSIFIERS]
    counts = {"nudged": 0, "ties": 0}

    def nudge(module, _inputs, out):
        per_channel = out.transpose(0, 1).reshape(out.shape[1], -1)
        margins = relu_margin * per_channel.pow(2).mean(dim=1, keepdim=True).sqrt()
        for c in (per_channel.abs() < margins).any(dim=1).nonzero().flatten().tolist():
            bias, margin = module.bias[c].item(), margins[c].item()
            for step in (k * sign for k in range(1, 500) for sign in (1, -1)):
                # The stored bias is float32: shift by exactly what rounding leaves.
                new_bias = float(np.float32(bias + step * 4 * margin))
                shifted = per_channel[c] + (new_bias - bias)
                if bool((shifted.abs() >= 2 * margin).all()):
                    module.bias[c] = new_bias
                    out[:, c] += new_bias - bias  # later layers see the new values
                    counts["nudged"] += 1
                    break
            else:
                raise RuntimeError(f"no bias nudge clears channel {c} of a layer")
        return out

    def check_pool(module, inputs, out):
        counts["ties"] += pool_near_ties(module, inputs[0], out)

    handles = [m.register_forward_hook(nudge) for _, m in relu_layers]
    handles += [m.register_forward_hook(check_pool) for m in net.modules()
                if isinstance(m, nn.MaxPool2d)]
    try:
        with torch.no_grad():
            net(data)
    finally:
        for h in handles:
            h.remove()
    return counts["nudged"], counts["ties"]


def generate(path, model, width_divisor, classes, height, width, batch, seed, verbose=True):
    generator = torch.Generator().manual_seed(seed)
    net = build(model, width_divisor, classes, height, width)
    named = net.named_params()
    draw_parameters(named, generator)
    net = net.double().train()
    drawn = {n: p.detach().clone() for n, p in named}
    best = None  # (near-ties, draw, data, labels)
    for draw in range(1, MAX_DRAWS + 1):
        data = torch.randn(batch, 3, height, width, generator=generator) * INPUT_STD
        labels = torch.randint(0, classes, (batch,), generator=generator)
        with torch.no_grad():
            for n, p in named:
                p.copy_(drawn[n])
        _, ties = condition(net, data.double())
        if best is None or ties < best[0]:
            best = (ties, draw, data, labels)
        if ties == 0:
            break
        if verbose:
            print(f"  {model}: input draw {draw} has {ties} max-pool near-ties")
    ties, draw, data, labels = best
    with torch.no_grad():
        for n, p in named:
            p.copy_(drawn[n])
    nudged, _ = condition(net, data.double())
    if condition(net, data.double(), RELU_MARGIN / 2)[0] != 0:  # the nudges hold
        raise RuntimeError(f"{model}: conditioning left ReLU inputs near 0")

    logits, aux = net(data.double())
    loss = F.cross_entropy(logits, labels)  # mean over the batch, as SoftmaxWithLoss
    for aux_logits in aux:
        loss = loss + 0.3 * F.cross_entropy(aux_logits, labels)
    net.zero_grad()
    loss.backward()

    tensors = [(f"param/{n}", to_f32(p)) for n, p in named]
    tensors += [(f"grad/{n}", to_f32(p.grad)) for n, p in named]
    tensors += [("input/data", to_f32(data)), ("input/label", to_f32(labels.float())),
                ("output/logits", to_f32(logits)), ("output/loss", to_f32(loss.reshape(1)))]
    metadata = {"model": model, "width_divisor": width_divisor, "height": height, "width": width,
                "batch": batch, "classes": classes, "seed": seed, "input_draw": draw,
                "relu_margin": RELU_MARGIN, "biases_nudged": nudged, "pool_gap": POOL_GAP,
                "pool_near_ties": ties,
                "generator": "tools/golden.py", "torch": torch.__version__}
    write_safetensors(path, tensors, metadata)
    if verbose:
        count = sum(p.numel() for _, p in named)
        print(f"{path}: {model} /{width_divisor} {height}x{width} batch {batch}, {count:,} "
              f"parameters ({nudged} biases nudged off ReLU kinks, input draw {draw}, {ties} max-pool "
              f"near-ties), "
              f"loss {loss.item():.6f}, logits |max| {logits.abs().max().item():.3f}, "
              f"{os.path.getsize(path) / 1e6:.2f} MB")


# Reduced fixtures, committed under tests/golden/ (each under ~1.5 MB). AlexNet and VGG use width
# divisor 16, not 8: at 8 their fc7 alone is 512x512, 1 MB of parameters plus 1 MB of gradient, so
# those fixtures would be ~3 MB and ~4.4 MB.
REDUCED = [
    # file,             model,     divisor, classes, H, W, batch, seed
    ("alexnet_reduced",   "alexnet",   16, 10, 99, 99, 2, 1),
    ("vgg11_reduced",     "vgg11",     16, 10, 64, 64, 2, 2),
    ("googlenet_reduced", "googlenet",  8, 10, 96, 96, 2, 3),
]
FULL = [
    ("alexnet",   "alexnet",   1, 1000, 227, 227, 2, 11),
    ("vgg16",     "vgg16",     1, 1000, 224, 224, 1, 12),
    ("googlenet", "googlenet", 1, 1000, 224, 224, 2, 13),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="full-size models (not committed)")
    parser.add_argument("--out", help="output directory (default: tests/golden for reduced)")
    parser.add_argument("--only", help="comma-separated fixture names to generate")
    parser.add_argument("--check-only", action="store_true",
                        help="only verify PyTorch's pooling/LRN against Caffe's rules")
    args = parser.parse_args()

    check_caffe_rules()
    print("PyTorch ceil_mode pooling, count_include_pad averaging and LocalResponseNorm "
          "match Caffe's rules")
    if args.check_only:
        return 0
    if args.full and not args.out:
        parser.error("--full needs --out DIR (full-size fixtures are not committed)")
    out = args.out or os.path.join(REPO, "tests", "golden")
    os.makedirs(out, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    for file, model, divisor, classes, h, w, batch, seed in (FULL if args.full else REDUCED):
        if only is None or file in only:
            generate(os.path.join(out, file + ".safetensors"), model, divisor, classes, h, w,
                     batch, seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
