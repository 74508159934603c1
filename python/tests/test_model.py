"""svertka.Model against the CLI on the same weights: forward, blobs, params, predict, extract,
summary and save; and the errors bad input gets."""
import json
import threading
import time

import numpy as np
import pytest

from conftest import read_safetensors, run

import svertka


def bgr_planes(rgb):
    """(H, W, 3) RGB pixels -> (3, H, W) float32 B, G, R planes, as svertka decodes images."""
    return np.ascontiguousarray(rgb[:, :, ::-1].transpose(2, 0, 1), dtype=np.float32)


def test_forward_equals_the_cli_logits(cli, tiny_caffe, images, tmp_path):
    prototxt, caffemodel = tiny_caffe
    out = tmp_path / "logits.npy"
    # No resize (S = 32 = crop), no mean: the net's input is the pixels themselves.
    run(cli, "extract", "--model", prototxt, "--weights", caffemodel, "--layer", "fc8",
        "--val-list", images["list"], "--scale", 32, "--crop", 32, "--mean", "none",
        "--batch", 4, "--out", out)
    expected = np.load(out)
    model = svertka.Model(prototxt, weights=caffemodel)
    x = np.stack([bgr_planes(rgb) for rgb in images["rgb"]])
    logits = model.forward(x)
    assert logits.shape == (12, 10) and logits.dtype == np.float32
    # Equal to float32 rounding: oneDNN chooses its kernels by batch size (12 here, 4 in the CLI).
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)
    # One image at a time (the net recompiled for N = 1) gives the same rows.
    np.testing.assert_allclose(model.forward(x[3:4]), expected[3:4], rtol=1e-5, atol=1e-5)


def test_predict_and_extract_of_files_equal_the_cli(cli, tiny_caffe, images, tmp_path):
    prototxt, caffemodel = tiny_caffe
    printed = json.loads(run(cli, "predict", "--model", prototxt, "--weights", caffemodel,
                             "--crops", "10", "--num-classes", 10, "--json", *images["paths"][:3]))
    model = svertka.Model(prototxt, weights=caffemodel, batch=10)
    predicted = model.predict(images["paths"][:3], crops="10", top=5)
    for mine, theirs in zip(predicted, printed):
        assert [c for c, _ in mine] == [t["class"] for t in theirs["top5"]]
        np.testing.assert_allclose([p for _, p in mine], [t["probability"] for t in theirs["top5"]],
                                   rtol=1e-6)
    out = tmp_path / "fc7.npy"
    run(cli, "extract", "--model", prototxt, "--weights", caffemodel, "--layer", "fc7",
        "--val-list", images["list"], "--batch", 10, "--out", out)
    np.testing.assert_array_equal(model.extract("fc7", images["paths"]), np.load(out))


def test_predict_of_arrays_is_the_softmax_of_forward(tiny_caffe, images):
    model = svertka.Model(*tiny_caffe)
    x = np.stack([bgr_planes(rgb) for rgb in images["rgb"][:4]])
    logits = model.forward(x).astype(np.float64)
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    for row, top in zip(probabilities, model.predict(x, top=3)):
        assert [c for c, _ in top] == list(np.argsort(-row, kind="stable")[:3])
        np.testing.assert_allclose([p for _, p in top], np.sort(row)[::-1][:3], rtol=1e-5)


def softmax(logits):
    z = np.exp(logits.astype(np.float64) - logits.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def expect_top(predicted, probabilities, top):
    """predict's top classes of one image against a probability row computed here."""
    assert [c for c, _ in predicted] == list(np.argsort(-probabilities, kind="stable")[:top])
    np.testing.assert_allclose([p for _, p in predicted], np.sort(probabilities)[::-1][:top],
                               rtol=1e-5)


def test_predict_of_larger_arrays_with_ten_crops_is_the_mean_of_the_ten_forwards(tiny_caffe):
    model = svertka.Model(*tiny_caffe)
    x = np.random.default_rng(4).normal(size=(3, 3, 37, 42)).astype(np.float32)
    crops = []
    for y0, x0 in [(0, 0), (0, 10), (5, 0), (5, 10), (2, 5)]:  # corners and centre of 37x42
        crop = x[:, :, y0:y0 + 32, x0:x0 + 32]
        crops += [crop, crop[:, :, :, ::-1]]
    expected = np.mean([softmax(model.forward(np.ascontiguousarray(c))) for c in crops], axis=0)
    for predicted, row in zip(model.predict(x, crops="10", top=3), expected):
        expect_top(predicted, row, 3)


def test_predict_of_arrays_dense_and_144(tiny_caffe):
    model = svertka.Model(*tiny_caffe)
    x = np.random.default_rng(5).normal(size=(2, 3, 32, 32)).astype(np.float32)
    # Dense at the net's input size: the fully connected net over each image and its mirror.
    expected = (softmax(model.forward(x)) + softmax(model.forward(x[:, :, :, ::-1].copy()))) / 2
    for predicted, row in zip(model.predict(x, crops="dense", top=4), expected):
        expect_top(predicted, row, 4)
    # GoogLeNet's 144 views, the arrays resized to each scale (bilinear).
    for scales in ([], [40, 48]):
        predictions = model.predict(x, crops="144", scales=scales, top=5)
        assert len(predictions) == 2
        for top in predictions:
            probabilities = [p for _, p in top]
            assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1


def test_blobs_and_params_round_trip(tiny_caffe, images, tmp_path):
    model = svertka.Model(*tiny_caffe)
    x = np.stack([bgr_planes(rgb) for rgb in images["rgb"][:2]])
    logits = model.forward(x)
    assert set(model.blobs) >= {"data", "conv1", "pool1", "fc7", "fc8"}
    np.testing.assert_array_equal(model.blobs["data"], x)
    np.testing.assert_array_equal(model.blobs["fc8"], logits)
    assert model.blobs["fc7"].shape == (2, 32) and (model.blobs["fc7"] >= 0).all()  # after ReLU
    assert sorted(model.params) == ["conv1.bias", "conv1.weight", "fc7.bias", "fc7.weight",
                                    "fc8.bias", "fc8.weight"]
    # Params are views: writing one changes the model.
    bias = model.params["fc8.bias"]
    assert model.params.__class__.__doc__ and bias.shape == (10,)
    bias[:] += 1.0
    np.testing.assert_allclose(model.forward(x), logits + 1.0, rtol=1e-5, atol=1e-5)
    model.set_param("fc8.bias", np.asarray(bias - 1.0, dtype=np.float32))
    np.testing.assert_allclose(model.forward(x), logits, rtol=1e-6, atol=1e-6)
    # Saved in each format and loaded again: the same parameters, the same logits.
    model.params["conv1.weight"][0, 0, 0, 0] = 0.5
    changed = model.forward(x)
    weights = tmp_path / "w.safetensors"
    assert model.save(str(weights)) == [str(weights)]
    tensors, _ = read_safetensors(weights)
    for name in model.params:
        np.testing.assert_array_equal(tensors[name], model.params[name])
    again = svertka.Model(tiny_caffe[0], weights=str(weights))
    np.testing.assert_array_equal(again.forward(x), changed)
    files = model.save(str(tmp_path / "saved.prototxt"))
    assert files == [str(tmp_path / "saved.prototxt"), str(tmp_path / "saved.caffemodel")]
    np.testing.assert_array_equal(svertka.Model(*files).forward(x), changed)
    model.save(str(tmp_path / "saved.onnx"))
    np.testing.assert_allclose(svertka.Model(str(tmp_path / "saved.onnx")).forward(x), changed,
                               rtol=1e-5, atol=1e-6)


def test_blob_views_say_what_they_are(tiny_caffe):
    model = svertka.Model(*tiny_caffe)
    x = np.zeros((1, 3, 32, 32), np.float32)
    model.forward(x)
    for name in model.blobs:
        view = model.blobs.is_view(name)
        a, b = model.blobs[name], model.blobs[name]
        assert np.shares_memory(a, b) == view, name


def test_summary_is_the_cli_summary(cli):
    model = svertka.Model("alexnet")
    assert model.summary() == run(cli, "summary", "--model", "alexnet")
    assert "total params: 6" in model.summary()


def test_bad_input_raises_with_a_clear_message(tiny_caffe, tmp_path):
    model = svertka.Model(*tiny_caffe)
    with pytest.raises(svertka.ParamError, match="float32, got float64"):
        model.forward(np.zeros((1, 3, 32, 32)))
    with pytest.raises(svertka.ParamError, match="numpy float32 array, got list"):
        model.forward([[1.0]])
    with pytest.raises(svertka.ShapeError, match=r"x has shape \(1,3,30,32\).*takes \(N,3,32,32\)"):
        model.forward(np.zeros((1, 3, 30, 32), np.float32))
    with pytest.raises(svertka.ShapeError, match="4 dimensions, got shape \\(3,32,32\\)"):
        model.forward(np.zeros((3, 32, 32), np.float32))
    with pytest.raises(svertka.NotFoundError, match="no blob 'fc9'") as e:
        model.blobs["fc9"]
    assert isinstance(e.value, LookupError) and isinstance(e.value, svertka.Error)
    with pytest.raises(svertka.NotFoundError, match="no parameter 'fc9.weight'"):
        model.params["fc9.weight"]
    with pytest.raises(svertka.ShapeError, match="'fc8.bias' has shape \\(10\\)"):
        model.set_param("fc8.bias", np.zeros(3, np.float32))
    with pytest.raises(svertka.Error, match="no-such.caffemodel"):
        svertka.Model(tiny_caffe[0], weights=str(tmp_path / "no-such.caffemodel"))
    with pytest.raises(svertka.Error, match="no-such.prototxt") as e:
        svertka.Model(str(tmp_path / "no-such.prototxt"))
    with pytest.raises(svertka.NotFoundError, match="alexnet"):
        svertka.Model("no_such_model")
    with pytest.raises(svertka.ParamError, match="phase expects 'test' or 'train'"):
        svertka.Model(*tiny_caffe, phase="eval")
    with pytest.raises(svertka.ShapeError, match="a 32x32 crop is larger than sample 0"):
        model.predict(np.zeros((1, 3, 24, 32), np.float32), crops="10")
    with pytest.raises(svertka.Error, match="missing.jpg"):
        model.predict([str(tmp_path / "missing.jpg")])
    assert issubclass(svertka.ParamError, ValueError) and issubclass(svertka.IoError, OSError)
    assert issubclass(svertka.NotFiniteError, svertka.DataError)


def test_other_python_threads_run_while_the_net_runs():
    model = svertka.Model("alexnet")  # a forward long enough to see (a tenth of a second or more)
    x = np.zeros((1, 3, 227, 227), np.float32)
    model.forward(x)
    span, ticks = [], []

    def work():
        span.append(time.perf_counter())
        model.forward(x)
        span.append(time.perf_counter())

    thread = threading.Thread(target=work)
    thread.start()
    while thread.is_alive():
        ticks.append(time.perf_counter())
    thread.join()
    begin, end = span
    middle = [t for t in ticks if begin + 0.25 * (end - begin) < t < end - 0.25 * (end - begin)]
    assert len(middle) > 100, "the main thread did not run while forward() ran: GIL held?"
