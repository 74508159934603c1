"""svertka from Python: AlexNet, VGG and GoogLeNet on oneDNN, with numpy in and out.

    import svertka
    model = svertka.Model("deploy.prototxt", weights="model.caffemodel")
    logits = model.forward(images)          # float32 (N, C, H, W) -> (N, classes)
    model.blobs["fc7"], model.params["conv1.weight"]
    model.predict(["cat.jpg"], crops="10")  # [(class, probability), ...] per image
    svertka.train(recipe="recipes/fashion-mnist.toml", out="runs/x", max_iter=100)
    for images, labels in svertka.ImageLoader("train/", batch=64, workers=4): ...

Everything runs in svertka's C++ library (the same functions as the `svertka` command line);
errors are svertka.Error subclasses carrying its messages.
"""
from collections.abc import Mapping

from . import svm
from ._svertka import (BackendError, DataError, Error, ImageLoader, IoError, Model,
                       NotFiniteError, NotFoundError, ParamError, ResourceError, ShapeError,
                       build_info)
from ._svertka import _train

__all__ = ["Model", "ImageLoader", "train", "svm", "build_info", "Error", "ParamError",
           "ShapeError", "IoError", "DataError", "NotFiniteError", "NotFoundError",
           "BackendError", "ResourceError"]


class _Blobs(Mapping):
    """model.blobs: name -> the blob's values after the last forward (pycaffe's net.blobs).

    A view of the net's buffer (no copy; it changes with the next forward) where the net keeps
    the blob plain; a copy where the backend keeps it in another layout (oneDNN's
    channel-blocked nChw16c): model.blobs.is_view(name) says which.
    """

    def __init__(self, model):
        self._model = model

    def __getitem__(self, name):
        return self._model._blob(name)

    def __iter__(self):
        return iter(self._model._blob_names())

    def __len__(self):
        return len(self._model._blob_names())

    def __contains__(self, name):
        return name in self._model._blob_names()

    def is_view(self, name):
        """Whether model.blobs[name] is a view of the net's buffer rather than a copy."""
        return self._model._blob_is_view(name)


class _Params(Mapping):
    """model.params: "<layer>.<param>" -> the parameter (pycaffe's net.params).

    Always a view of the parameter's buffer on the CPU (weights stay plain and in host memory):
    writing to it changes the model; model.set_param(name, array) copies a whole array in.
    """

    def __init__(self, model):
        self._model = model

    def __getitem__(self, name):
        return self._model._param(name)

    def __iter__(self):
        return iter(self._model._param_names())

    def __len__(self):
        return len(self._model._param_names())

    def __contains__(self, name):
        return name in self._model._param_names()


Model.blobs = property(_Blobs, doc=_Blobs.__doc__)
Model.params = property(_Params, doc=_Params.__doc__)


def _option(key, value):
    """One `svertka train` option from a keyword argument: max_iter=3 -> --max-iter=3."""
    name = "--" + key.replace("_", "-")
    if isinstance(value, bool):
        return [name + "=" + ("true" if value else "false")]
    if isinstance(value, (list, tuple)):
        return [name + "=" + ",".join(str(v) for v in value)]
    return [name + "=" + str(value)]


def train(recipe=None, out=None, on_epoch=None, **overrides):
    """Trains as `svertka train` does, in this process, and returns the last epoch's metrics.

    recipe     a recipe file (recipes/*.toml) giving the defaults of every option
    out        the run directory: checkpoint.safetensors, weights.safetensors, metrics.jsonl
    on_epoch   called after each epoch with its metrics as a dict (epoch, iteration, loss, lr,
               train_top1_error, train_top5_error, val_top1_error, val_top5_error, seconds);
               returning False stops the run there (a checkpoint is saved, resume=True goes on)
    overrides  any other `svertka train` option by its name, dashes as underscores:
               model="alexnet_small", data="/usr/share/datasets/fashion-mnist", epochs=2,
               max_iter=50, batch=64, lr=0.01, seed=1, resume=True, workers=4, ... (True/False
               for flags; lists for comma-separated values). Options given override the recipe.

    The same code as the command line runs (its recipe reading, option checks and Trainer), so
    the same options give bitwise the same weights. Ctrl-C (KeyboardInterrupt) saves a
    checkpoint between updates as the CLI's Ctrl-C does, then is raised; an exception in
    on_epoch stops the run the same way and is raised. The GIL is released while training.

    Returns a dict: the last epoch's metrics, plus interrupted, nothing_left and iteration.
    """
    options = []
    if recipe is not None:
        options += _option("recipe", recipe)
    if out is not None:
        options += _option("out", out)
    for key, value in overrides.items():
        if value is not None:
            options += _option(key, value)
    return _train(options, on_epoch)
