"""The zoo models compared by bench/compare_pytorch.py, rebuilt in PyTorch for speed.

AlexNet and GoogLeNet are tools/golden.py's modules (which mirror models/*.cc layer by layer) with
the models' real dropout rates put back (golden.py zeroes them); GoogLeNet runs its auxiliary heads
only in train mode, as the C++ Net does in TEST. VGG-16 is torchvision's. alexnet_small mirrors
models/small.cc. Every model's forward returns (logits, [auxiliary logits]).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import golden  # noqa: E402


class AlexNet(golden.AlexNet):
    """models/alexnet.cc at 227 px: groups 2 in conv2/4/5, LRN after relu1/relu2, dropout 0.5."""

    def __init__(self, classes, height, width):
        super().__init__(1, classes, height, width)
        self.drop = nn.Dropout(0.5)


class GoogLeNet(golden.GoogLeNet):
    """models/googlenet.cc: bvlc_googlenet; both auxiliary heads (loss weight 0.3) in train mode."""

    def __init__(self, classes, height, width):
        super().__init__(1, classes, height, width)
        self.main_drop = nn.Dropout(0.4)
        self.aux_drop = nn.Dropout(0.7)

    def forward(self, x):
        taps = [] if self.training else None
        x = self.trunk(x, taps=taps)
        x = x.mean(dim=(2, 3), keepdim=True)  # pool5/7x7_s1: global average
        logits = self.layers["loss3/classifier"](torch.flatten(self.main_drop(x), 1))
        if not self.training:
            return logits, []
        return logits, [self.aux("loss1", taps[0]), self.aux("loss2", taps[1])]


class Vgg16(nn.Module):
    """torchvision.models.vgg16: configuration D, dropout 0.5 (its adaptive pool is an identity at
    224 px)."""

    def __init__(self, classes):
        super().__init__()
        self.net = torchvision.models.vgg16(weights=None, num_classes=classes)

    def forward(self, x):
        return self.net(x), []


class AlexNetSmall(nn.Module):
    """models/small.cc alexnet_small: (N,1,28,28) -> conv 48 5x5 -> LRN -> pool -> conv 96 3x3 ->
    LRN -> pool -> conv 256 3x3 -> pool -> (N,256,3,3) -> fc 1024 -> dropout 0.5 -> fc classes."""

    def __init__(self, classes, channels, height, width):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 48, 5, padding=2)
        self.conv2 = nn.Conv2d(48, 96, 3, padding=1)
        self.conv3 = nn.Conv2d(96, 256, 3, padding=1)
        self.lrn = nn.LocalResponseNorm(**golden.LRN)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)  # Caffe's pooling rounds up
        flat = golden.flat_features(self.features, channels, height, width)
        self.fc4 = nn.Linear(flat, 1024)
        self.drop = nn.Dropout(0.5)
        self.fc5 = nn.Linear(1024, classes)

    def features(self, x):
        x = self.pool(self.lrn(F.relu(self.conv1(x))))  # -> (N,48,14,14)
        x = self.pool(self.lrn(F.relu(self.conv2(x))))  # -> (N,96,7,7)
        return self.pool(F.relu(self.conv3(x)))  # -> (N,192,3,3)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.fc5(self.drop(F.relu(self.fc4(x)))), []


# name: (channels, height, width, classes), the inputs compare_pytorch.py gives both engines.
INPUTS = {
    "alexnet": (3, 227, 227, 1000),
    "vgg16": (3, 224, 224, 1000),
    "googlenet": (3, 224, 224, 1000),
    "alexnet_small": (1, 28, 28, 10),
}


def build(name):
    channels, height, width, classes = INPUTS[name]
    if name == "alexnet":
        return AlexNet(classes, height, width)
    if name == "vgg16":
        return Vgg16(classes)
    if name == "googlenet":
        return GoogLeNet(classes, height, width)
    if name == "alexnet_small":
        return AlexNetSmall(classes, channels, height, width)
    raise ValueError(f"unknown model {name}; known: {', '.join(INPUTS)}")
