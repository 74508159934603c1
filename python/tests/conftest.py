"""Fixtures of the svertka module's tests: the CLI to compare with, a small Caffe model made
here, image files and an IDX dataset written by numpy. Everything is small: the suite runs in
seconds."""
import json
import os
import struct
import subprocess
import zlib

import numpy as np
import pytest

svertka = pytest.importorskip(
    "svertka", reason="the svertka module is not built (CMake found no pybind11 or numpy)")

TINY_PROTOTXT = """name: "tiny"
layer { name: "data" type: "Input" top: "data"
  input_param { shape: { dim: 1 dim: 3 dim: 32 dim: 32 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 16 kernel_size: 3 pad: 1 weight_filler { type: "xavier" }
                      bias_filler { type: "constant" value: 0.1 } } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "fc7" type: "InnerProduct" bottom: "pool1" top: "fc7"
  inner_product_param { num_output: 32 weight_filler { type: "gaussian" std: 0.01 } } }
layer { name: "relu7" type: "ReLU" bottom: "fc7" top: "fc7" }
layer { name: "fc8" type: "InnerProduct" bottom: "fc7" top: "fc8"
  inner_product_param { num_output: 10 weight_filler { type: "gaussian" std: 0.01 } } }
layer { name: "prob" type: "Softmax" bottom: "fc8" top: "prob" }
"""


@pytest.fixture(scope="session")
def cli():
    """The `svertka` command line of the same build (ctest passes it)."""
    path = os.environ.get("SVERTKA_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("SVERTKA_CLI does not name the svertka executable (run through ctest)")
    return path


def run(cli, *args):
    """stdout of `svertka ARGS...`; fails the test with its stderr if it fails. It runs with this
    process's environment (OMP_NUM_THREADS included): the same threads sum in the same order."""
    done = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.fixture(scope="session")
def tiny_caffe(cli, tmp_path_factory):
    """(prototxt, caffemodel): a small Caffe net with weights drawn by `svertka convert`."""
    folder = tmp_path_factory.mktemp("caffe")
    (folder / "tiny.prototxt").write_text(TINY_PROTOTXT)
    run(cli, "convert", "--from", folder / "tiny.prototxt", "--seed", 3,
        "--out", folder / "deploy.prototxt")
    return str(folder / "deploy.prototxt"), str(folder / "deploy.caffemodel")


def write_png(path, rgb):
    """An 8-bit RGB PNG of an (H, W, 3) uint8 array (which svertka decodes as BGR)."""
    h, w, _ = rgb.shape

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\0" + np.ascontiguousarray(row, dtype=np.uint8).tobytes() for row in rgb)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """Twelve random 32x32 colour images, their list file ("path label"), and the pixels."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    paths, pixels = [], []
    lines = []
    for i in range(12):
        rgb = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
        path = folder / ("img%02d.png" % i)
        write_png(path, rgb)
        paths.append(str(path))
        pixels.append(rgb)
        lines.append("%s %d\n" % (path.name, i % 3))
    (folder / "list.txt").write_text("".join(lines))
    return {"paths": paths, "list": str(folder / "list.txt"), "rgb": pixels}


@pytest.fixture(scope="session")
def big_images(tmp_path_factory):
    """Twenty random colour images of assorted sizes (for the augmenting loader) and their list."""
    folder = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(1)
    lines = []
    for i in range(20):
        h, w = int(rng.integers(90, 140)), int(rng.integers(90, 140))
        write_png(folder / ("b%02d.png" % i), rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        lines.append("b%02d.png %d\n" % (i, i % 4))
    (folder / "list.txt").write_text("".join(lines))
    return str(folder / "list.txt")


def write_idx(path, array):
    """An IDX file (MNIST's format) of a uint8 array."""
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, array.ndim))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())


@pytest.fixture(scope="session")
def idx_data(tmp_path_factory):
    """A small Fashion-MNIST-shaped IDX folder: 64 training and 16 test images of 10 classes."""
    folder = tmp_path_factory.mktemp("idx")
    rng = np.random.default_rng(2)
    for prefix, n in (("train", 64), ("t10k", 16)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 80, size=(n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):  # a class-dependent bright square: learnable
            images[i, 2 * k:2 * k + 8, 4:12] = 220
        write_idx(folder / ("%s-images-idx3-ubyte" % prefix), images)
        write_idx(folder / ("%s-labels-idx1-ubyte" % prefix), labels.astype(np.uint8))
    return str(folder)


def read_safetensors(path):
    """name -> numpy array of a safetensors file (F32 tensors), with the metadata."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32", name
        tensors[name] = np.frombuffer(data[begin:end], dtype=np.float32).reshape(info["shape"])
    return tensors, header.get("__metadata__", {})
