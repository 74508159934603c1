#!/usr/bin/python3
"""What `caffe test` prints for a small LeNet, without Caffe (not packaged in Debian 12).

Writes tests/fixtures/caffe_lenet_eval/ (make_fixtures) from Fashion-MNIST
(/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist):
  lenet_train_test.prototxt  BVLC's examples/mnist/lenet_train_test.prototxt (tests/fixtures/caffe)
                             with fewer outputs (conv1 8, conv2 16, ip1 64): transform_param
                             scale 0.00390625, no mean, TEST batch 100
  lenet.caffemodel           its weights, trained here in PyTorch (SGD, the first TRAIN_IMAGES
                             training images; how they were trained does not matter to the test)
  t10k-*-idx*-ubyte.gz       the first TEST_IMAGES test images (held out), as IDX files
  expected.json              what `caffe test -model lenet_train_test.prototxt -weights
                             lenet.caffemodel -iterations 3` prints on them: accuracy and loss

The test forward follows Caffe's arithmetic layer by layer in float32: Data (pixel - 0) * scale,
Convolution, Pooling MAX (Caffe rounds the output size up: ceil_mode), InnerProduct
(x W^T + b), ReLU, Accuracy (correct when no class scores strictly higher than the label) and
SoftmaxWithLoss (softmax with the maximum subtracted, -log(max(p_label, FLT_MIN)), averaged over
the batch), and `caffe test`'s summary: each output summed in float over the iterations, divided
by their number.

Usage: /usr/bin/python3 tools/caffe_lenet_reference.py [OUT_DIR]
"""
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"
TRAIN_IMAGES, TEST_IMAGES, TEST_BATCH = 4000, 300, 100
SCALE = 0.00390625
OUTPUTS = {"conv1": 8, "conv2": 16, "ip1": 64}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic == 0x803:
        n, rows, cols = struct.unpack(">III", data[4:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)
    n = struct.unpack(">I", data[4:8])[0]
    return np.frombuffer(data, np.uint8, offset=8)[:n]


def write_idx(path, array):
    header = (struct.pack(">IIII", 0x803, *array.shape) if array.ndim == 3
              else struct.pack(">II", 0x801, array.shape[0]))
    with open(path, "wb") as raw:  # mtime 0: the same bytes every run
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(header + array.astype(np.uint8).tobytes())


def reduced_prototxt():
    text = open(os.path.join(ROOT, "tests/fixtures/caffe/lenet_train_test.prototxt")).read()
    for layer, outputs in OUTPUTS.items():
        text, n = re.subn(r'(name: "%s"\n.*?num_output: )\d+' % layer, r"\g<1>%d" % outputs, text,
                          count=1, flags=re.S)
        assert n == 1, layer
    return text


class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, OUTPUTS["conv1"], 5)
        self.conv2 = torch.nn.Conv2d(OUTPUTS["conv1"], OUTPUTS["conv2"], 5)
        self.ip1 = torch.nn.Linear(OUTPUTS["conv2"] * 16, OUTPUTS["ip1"])
        self.ip2 = torch.nn.Linear(OUTPUTS["ip1"], 10)

    def forward(self, pixels):  # (N,1,28,28) uint8 as float
        x = (pixels - 0.0) * SCALE                                    # Data: transform_param
        x = F.max_pool2d(self.conv1(x), 2, 2, ceil_mode=True)         # conv1, pool1
        x = F.max_pool2d(self.conv2(x), 2, 2, ceil_mode=True)         # conv2, pool2
        x = F.relu(self.ip1(x.flatten(1)))                            # ip1, relu1
        return self.ip2(x)                                            # ip2


def train(net, images, labels, iterations=800, batch=64):
    gen = torch.Generator().manual_seed(1)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.from_numpy(images).float().unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    for _ in range(iterations):
        idx = torch.randint(0, len(x), (batch,), generator=gen)
        opt.zero_grad()
        F.cross_entropy(net(x[idx]), y[idx]).backward()
        opt.step()


def caffe_test(net, images, labels):
    """`caffe test`'s accuracy and loss: per-batch outputs summed in float32, / iterations."""
    iterations = len(images) // TEST_BATCH
    accuracy, loss, correct = np.float32(0), np.float32(0), 0
    with torch.no_grad():
        for it in range(iterations):
            x = torch.from_numpy(images[it * TEST_BATCH:(it + 1) * TEST_BATCH]).float().unsqueeze(1)
            y = labels[it * TEST_BATCH:(it + 1) * TEST_BATCH].astype(np.int64)
            scores = net(x).numpy().astype(np.float32)                 # ip2
            label_scores = scores[np.arange(TEST_BATCH), y]
            better = (scores > label_scores[:, None]).sum(axis=1)      # Accuracy, top_k 1
            right = int((better < 1).sum())
            correct += right
            shifted = scores - scores.max(axis=1, keepdims=True)       # SoftmaxWithLoss
            prob = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True, dtype=np.float32)
            p = np.maximum(prob[np.arange(TEST_BATCH), y], np.finfo(np.float32).tiny)
            batch_loss = np.float32(0)
            for v in -np.log(p.astype(np.float32)):
                batch_loss = np.float32(batch_loss + v)
            accuracy = np.float32(accuracy + np.float32(right) / np.float32(TEST_BATCH))
            loss = np.float32(loss + batch_loss / np.float32(TEST_BATCH))
    return {"test_iter": iterations, "batch": TEST_BATCH, "images": iterations * TEST_BATCH,
            "correct": correct, "accuracy": float(accuracy / np.float32(iterations)),
            "loss": float(loss / np.float32(iterations))}


def write_caffemodel(net, path, prototxt):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["protoc", "-I", os.path.join(ROOT, "proto"), "--python_out", tmp,
                        "caffe.proto"], check=True)
        sys.path.insert(0, tmp)
        import caffe_pb2  # noqa: E402 (generated just above)
    model = caffe_pb2.NetParameter(name="LeNet")
    for name in ["conv1", "conv2", "ip1", "ip2"]:
        layer = model.layer.add(name=name, type="Convolution" if name.startswith("conv")
                                else "InnerProduct")
        module = getattr(net, name)
        for tensor in (module.weight, module.bias):
            blob = layer.blobs.add()
            blob.shape.dim.extend(tensor.shape)
            blob.data.extend(tensor.detach().numpy().astype(np.float32).ravel().tolist())
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def make_fixtures(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1)
    torch.set_num_threads(1)
    train_x = read_idx(f"{DATA}/train-images-idx3-ubyte.gz")[:TRAIN_IMAGES]
    train_y = read_idx(f"{DATA}/train-labels-idx1-ubyte.gz")[:TRAIN_IMAGES]
    test_x = read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz")[:TEST_IMAGES]
    test_y = read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")[:TEST_IMAGES]
    net = LeNet()
    train(net, train_x, train_y)
    prototxt = os.path.join(out, "lenet_train_test.prototxt")
    with open(prototxt, "w") as f:
        f.write(reduced_prototxt())
    write_caffemodel(net, os.path.join(out, "lenet.caffemodel"), prototxt)
    write_idx(os.path.join(out, "t10k-images-idx3-ubyte.gz"), test_x)
    write_idx(os.path.join(out, "t10k-labels-idx1-ubyte.gz"), test_y)
    expected = caffe_test(net, test_x, test_y)
    expected["command"] = ("caffe test -model lenet_train_test.prototxt -weights lenet.caffemodel "
                           f"-iterations {expected['test_iter']}")
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(json.dumps(expected))


if __name__ == "__main__":
    make_fixtures(sys.argv[1] if len(sys.argv) > 1
                  else os.path.join(ROOT, "tests/fixtures/caffe_lenet_eval"))
