#!/usr/bin/env python3
"""Writes shapes/catalog.txt: every distinct conv / pool / LRN / FC layer shape of bvlc AlexNet,
VGG-16 and bvlc GoogLeNet (auxiliary heads included), with Caffe's shape rules.

Usage: tools/make_shape_catalog.py > shapes/catalog.txt
"""
import inspect
import math

LRN = dict(size=5, alpha=0.0001, beta=0.75, k=1)


def conv_out(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1


def pool_out(size, kernel, stride, pad):
    # Caffe: ceil rounding, then drop a last window that starts inside the padding.
    out = int(math.ceil((size + 2 * pad - kernel) / stride)) + 1
    if pad > 0 and (out - 1) * stride >= size + pad:
        out -= 1
    return out


# The output shape (C, H, W) or (features,) of each kind for an input shape; the keyword arguments
# are the row's key=value pairs, written in this order. In C++ each op reads and writes its kinds'
# rows through its registry entry (src/ops/<op>.cc, CatalogMapping).
def conv(shape, out, kernel, stride=1, pad=0, groups=1):
    c, h, w = shape
    return (out, conv_out(h, kernel, stride, pad), conv_out(w, kernel, stride, pad))


def pool(shape, kernel, stride, pad=0):
    c, h, w = shape
    return (c, pool_out(h, kernel, stride, pad), pool_out(w, kernel, stride, pad))


def lrn(shape, size, alpha, beta, k):
    return shape


def fc(shape, out):
    return (out,)


KINDS = {"conv": conv, "maxpool": pool, "avgpool": pool, "lrn": lrn, "fc": fc}
OMITTED_DEFAULTS = {"groups"}  # keys left out of a row when they hold their default


class Net:
    def __init__(self, name, batch):
        self.name, self.batch, self.lines, self.seen = name, batch, [], set()

    def add(self, kind, layer, shape, *args, **params):
        """Records a distinct (kind, shape, params) row and returns the layer's output shape."""
        rule = KINDS[kind]
        bound = inspect.signature(rule).bind(shape, *args, **params)
        bound.apply_defaults()
        values = dict(list(bound.arguments.items())[1:])
        defaults = {n: p.default for n, p in inspect.signature(rule).parameters.items()}
        text = " ".join(f"{key}={value}" for key, value in values.items()
                        if not (key in OMITTED_DEFAULTS and value == defaults[key]))
        key = (kind, shape, text)
        if key not in self.seen:
            self.seen.add(key)
            dims = "x".join(str(d) for d in (self.batch,) + shape)
            self.lines.append(f"{self.name:10s} {layer:28s} {kind:8s} {dims:18s} {text}")
        return rule(shape, *args, **params)


def alexnet():
    n = Net("alexnet", 2)
    s = n.add("conv", "conv1", (3, 227, 227), 96, 11, stride=4)
    s = n.add("lrn", "norm1", s, **LRN)
    s = n.add("maxpool", "pool1", s, 3, 2)
    s = n.add("conv", "conv2", s, 256, 5, pad=2, groups=2)
    s = n.add("lrn", "norm2", s, **LRN)
    s = n.add("maxpool", "pool2", s, 3, 2)
    s = n.add("conv", "conv3", s, 384, 3, pad=1)
    s = n.add("conv", "conv4", s, 384, 3, pad=1, groups=2)
    s = n.add("conv", "conv5", s, 256, 3, pad=1, groups=2)
    s = n.add("maxpool", "pool5", s, 3, 2)
    s = n.add("fc", "fc6", s, 4096)
    s = n.add("fc", "fc7", s, 4096)
    n.add("fc", "fc8", s, 1000)
    return n


def vgg16():
    n = Net("vgg16", 1)
    s = (3, 224, 224)
    for block, (width, depth) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1):
        for i in range(1, depth + 1):
            s = n.add("conv", f"conv{block}_{i}", s, width, 3, pad=1)
        s = n.add("maxpool", f"pool{block}", s, 2, 2)
    s = n.add("fc", "fc6", s, 4096)
    s = n.add("fc", "fc7", s, 4096)
    n.add("fc", "fc8", s, 1000)
    return n


# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) from the GoogLeNet paper's Table 1.
INCEPTION = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128), "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def googlenet():
    n = Net("googlenet", 2)

    def inception(name, s):
        c1, r3, c3, r5, c5, pp = INCEPTION[name]
        p = f"inception_{name}/"
        n.add("conv", p + "1x1", s, c1, 1)
        n.add("conv", p + "3x3", n.add("conv", p + "3x3_reduce", s, r3, 1), c3, 3, pad=1)
        n.add("conv", p + "5x5", n.add("conv", p + "5x5_reduce", s, r5, 1), c5, 5, pad=2)
        n.add("conv", p + "pool_proj", n.add("maxpool", p + "pool", s, 3, 1, pad=1), pp, 1)
        return (c1 + c3 + c5 + pp, s[1], s[2])

    def aux(name, s):
        s = n.add("avgpool", f"{name}/ave_pool", s, 5, 3)
        s = n.add("conv", f"{name}/conv", s, 128, 1)
        s = n.add("fc", f"{name}/fc", s, 1024)
        n.add("fc", f"{name}/classifier", s, 1000)

    s = n.add("conv", "conv1/7x7_s2", (3, 224, 224), 64, 7, stride=2, pad=3)
    s = n.add("maxpool", "pool1/3x3_s2", s, 3, 2)
    s = n.add("lrn", "pool1/norm1", s, **LRN)
    s = n.add("conv", "conv2/3x3_reduce", s, 64, 1)
    s = n.add("conv", "conv2/3x3", s, 192, 3, pad=1)
    s = n.add("lrn", "conv2/norm2", s, **LRN)
    s = n.add("maxpool", "pool2/3x3_s2", s, 3, 2)
    s = inception("3b", inception("3a", s))
    s = n.add("maxpool", "pool3/3x3_s2", s, 3, 2)
    s = inception("4a", s)
    aux("loss1", s)
    s = inception("4d", inception("4c", inception("4b", s)))
    aux("loss2", s)
    s = inception("4e", s)
    s = n.add("maxpool", "pool4/3x3_s2", s, 3, 2)
    s = inception("5b", inception("5a", s))
    s = n.add("avgpool", "pool5/7x7_s1", s, 7, 1)
    n.add("fc", "loss3/classifier", s, 1000)
    return n


if __name__ == "__main__":
    print("# Distinct conv / pool / LRN / FC layer shapes of bvlc AlexNet, VGG-16 and bvlc GoogLeNet.")
    print("# Generated by tools/make_shape_catalog.py; read by tests/ and bench/.")
    print("# <net> <layer> <kind> <input NxCxHxW> key=value...")
    for net in (alexnet(), vgg16(), googlenet()):
        print("\n".join(net.lines))
