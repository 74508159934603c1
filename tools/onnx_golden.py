#!/usr/bin/python3
"""ONNX golden fixtures: torchvision's vgg11 and alexnet with random weights, exported with
torch.onnx.export, plus an input and PyTorch's logits, for tests/unit/onnx_interop_test.cc.

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

import torch
import torchvision

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["alexnet", "vgg11"]  # torchvision names; tests/unit/onnx_interop_test.cc reads models.txt


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
        x = torch.rand(1, 3, 224, 224) * 2 - 1
        with torch.no_grad():
            logits = model(x)
        onnx_path = os.path.join(args.out, name + ".onnx")
        torch.onnx.export(model, x, onnx_path, opset_version=11, input_names=["data"],
                          output_names=["logits"])
        save_safetensors(os.path.join(args.out, name + "_io.safetensors"), {"input": x, "logits": logits})
        print("wrote", onnx_path, "logits max |.|", float(logits.abs().max()))
    with open(os.path.join(args.out, "models.txt"), "w") as f:
        f.write("".join(name + "\n" for name in MODELS))


if __name__ == "__main__":
    main()
