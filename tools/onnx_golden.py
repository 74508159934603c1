#!/usr/bin/python3
"""ONNX golden fixtures: torchvision's alexnet, vgg11 and vgg11_bn with random weights (vgg11_bn's
BatchNorm layers with random scale and shift, and running statistics gathered from a few
training-mode batches), exported with torch.onnx.export, plus an input and PyTorch's logits, for
tests/unit/onnx_interop_test.cc.

Writes into OUT (default build/onnx-golden; not committed, ~800 MB):
  <model>.onnx                  the exported graph with its weights (opset 11)
  <model>_io.safetensors        input (1,3,224,224) and logits (1,1000), float32
  models.txt                    the models written, one per line: the test compares each

Usage (Debian's python3 with python3-torch, python3-torchvision, python3-onnx):
  tools/onnx_golden.py [--out DIR]       then: SVERTKA_ONNX_GOLDEN_DIR=DIR build/tests/onnx_interop_test
`make golden-onnx` does both.
"""
import argparse
import json
import os
import struct

import onnx
import torch
import torchvision

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["alexnet", "vgg11", "vgg11_bn"]  # torchvision names; the test reads models.txt


def with_batch_statistics(model):
    """Gives the BatchNorm layers random weight and bias and the running statistics of three
    random training-mode batches (their exact average: momentum None), then returns the model in
    eval mode. Returns None for a model without BatchNorm."""
    layers = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not layers:
        return None
    with torch.no_grad():
        for bn in layers:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.momentum = None
        model.train()
        for _ in range(3):
            model(torch.rand(2, 3, 224, 224) * 2 - 1)
        for bn in layers:
            bn.momentum = 0.1
    return model.eval()


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(REPO, "build", "onnx-golden"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    for name in MODELS:
        model = getattr(torchvision.models, name)(weights=None).eval()
        # Eval-mode export folds BatchNorm into the convolutions; PRESERVE keeps the nodes.
        batch_norm = with_batch_statistics(model) is not None
        mode = torch.onnx.TrainingMode.PRESERVE if batch_norm else torch.onnx.TrainingMode.EVAL
        x = torch.rand(1, 3, 224, 224) * 2 - 1
        with torch.no_grad():
            logits = model(x)
        onnx_path = os.path.join(args.out, name + ".onnx")
        torch.onnx.export(model, x, onnx_path, opset_version=11, input_names=["data"],
                          output_names=["logits"], training=mode)
        if batch_norm:
            ops = {node.op_type for node in onnx.load(onnx_path).graph.node}
            assert "BatchNormalization" in ops, f"{onnx_path} has no BatchNormalization node"
        save_safetensors(os.path.join(args.out, name + "_io.safetensors"), {"input": x, "logits": logits})
        print("wrote", onnx_path, "logits max |.|", float(logits.abs().max()))
    with open(os.path.join(args.out, "models.txt"), "w") as f:
        f.write("".join(name + "\n" for name in MODELS))


if __name__ == "__main__":
    main()
