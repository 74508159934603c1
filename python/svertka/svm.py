"""svertka.svm: one-vs-rest linear SVMs (liblinear) on features, as `svertka svm` trains them.

    features = model.extract("fc7", train_images)
    svm = svertka.svm.LinearSvm(features, labels, c_search=True)
    svm.accuracy(model.extract("fc7", test_images), test_labels)
"""
from ._svertka import svm as _svm

LinearSvm = _svm.LinearSvm
load_features = _svm.load_features

__all__ = ["LinearSvm", "load_features"]
