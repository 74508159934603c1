#!/usr/bin/python3
"""svertka from Python, notebook style: classify images with a Caffe model, then use it as a
feature extractor and train a linear SVM on its features (VGG's transfer experiments).

    examples/python/classify_and_transfer.py --model deploy.prototxt --weights bvlc_alexnet.caffemodel \
        --images ../shared/data/imagenet-samples/labels.txt --labels synset_words.txt --layer fc7

--images is a Caffe-style list ("path label" per line, paths relative to the list). Each cell
below (`# %%`) runs in Jupyter or VS Code as it is; run as a script it does them in order. The
module's tests run it on a small Caffe net they make themselves.
"""
# %% Arguments (in a notebook, set `args` by hand instead)
import argparse
import os

import numpy as np

import svertka

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--model", required=True, help="Caffe deploy .prototxt (or a zoo name)")
parser.add_argument("--weights", required=True, help=".caffemodel or .safetensors")
parser.add_argument("--images", required=True, help="list file: 'path label' per line")
parser.add_argument("--labels", help="class names, one per line (synset_words.txt)")
parser.add_argument("--layer", default="fc7", help="the blob whose activations are features")
args = parser.parse_args()

# %% The model: a Caffe net with its trained weights, compiled for a batch of 10 (10-crop views)
model = svertka.Model(args.model, weights=args.weights, batch=10)
print(model)
print(model.summary())

# %% The images and their labels, from the list file
folder = os.path.dirname(os.path.abspath(args.images))
paths, labels = [], []
with open(args.images) as f:
    for line in f:
        words = line.split()
        if len(words) >= 2 and not words[0].startswith("#"):
            paths.append(os.path.join(folder, words[0]))
            labels.append(int(words[1]))
labels = np.array(labels)
names = open(args.labels).read().splitlines() if args.labels else None

# %% Classify: AlexNet's 10 views of each image, softmax averaged (as `svertka predict --crops 10`)
for path, top in zip(paths[:3], model.predict(paths[:3], crops="10", top=5)):
    print("top 5 of", os.path.basename(path))
    for k, p in top:
        print("  %5d  %.4f  %s" % (k, p, names[k] if names else ""))

# %% Look inside: the blobs of the last forward and the first layer's filters, as numpy arrays
first = next(name for name in model.params if name.endswith(".weight"))
print(first, model.params[first].shape, "mean |w| %.4f" % np.abs(model.params[first]).mean())
for name in list(model.blobs)[:4]:
    print("blob", name, model.blobs[name].shape,
          "(a view)" if model.blobs.is_view(name) else "(a copy: blocked layout)")

# %% Features: the activations of --layer for every image (centre view), (N, D)
features = model.extract(args.layer, paths)
print("features", features.shape)

# %% A linear SVM on the features: the first two thirds of each class train, the rest test
train = np.zeros(len(labels), bool)
for k in np.unique(labels):
    members = np.flatnonzero(labels == k)
    train[members[: max(1, (2 * len(members)) // 3)]] = True
svm = svertka.svm.LinearSvm(features[train], labels[train], c=1.0)
print("SVM on %s features: train accuracy %.2f, test accuracy %.2f (%d / %d images)"
      % (args.layer, svm.accuracy(features[train], labels[train]),
         svm.accuracy(features[~train], labels[~train]) if (~train).any() else float("nan"),
         train.sum(), (~train).sum()))
