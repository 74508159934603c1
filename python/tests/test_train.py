"""svertka.train is `svertka train`: the same options give bitwise the same weights; on_epoch
sees each epoch's metrics and may stop the run; Ctrl-C saves a checkpoint; resume goes on."""
import os
import signal
import threading

import numpy as np
import pytest

from conftest import read_safetensors, run

import svertka

FMNIST = "/usr/share/datasets/fashion-mnist"


def options(data, **more):
    base = dict(model="alexnet_small", data=data, batch=8, epochs=2, seed=5, lr=0.01)
    base.update(more)
    return base


def cli_args(opts):
    args = []
    for key, value in opts.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    return args


def assert_same_weights(a, b):
    ta, _ = read_safetensors(a)
    tb, _ = read_safetensors(b)
    assert sorted(ta) == sorted(tb)
    for name in ta:
        np.testing.assert_array_equal(ta[name], tb[name], err_msg=name)


def test_python_training_equals_the_cli_bitwise(cli, idx_data, tmp_path):
    opts = options(idx_data, max_iter=10)
    run(cli, "train", *cli_args(opts), "--out", tmp_path / "cli")
    seen = []
    result = svertka.train(out=str(tmp_path / "py"), on_epoch=seen.append, **opts)
    assert_same_weights(tmp_path / "cli" / "weights.safetensors",
                        tmp_path / "py" / "weights.safetensors")
    assert [m["epoch"] for m in seen] == [1, 2] and seen[-1]["iteration"] == 10
    assert set(seen[0]) >= {"loss", "lr", "train_top1_error", "val_top1_error", "val_top5_error"}
    assert result["iteration"] == 10 and not result["interrupted"]
    assert result["val_top1_error"] == seen[-1]["val_top1_error"]


@pytest.mark.skipif(not os.path.isdir(FMNIST), reason="no Fashion-MNIST at " + FMNIST +
                    " (apt-get install dataset-fashion-mnist)")
def test_recipe_training_on_fashion_mnist_equals_the_cli(cli, tmp_path):
    recipe = os.path.join(os.path.dirname(__file__), "..", "..", "recipes", "fashion-mnist.toml")
    run(cli, "train", "--recipe", recipe, "--max-iter", 3, "--out", tmp_path / "cli")
    svertka.train(recipe=recipe, out=str(tmp_path / "py"), max_iter=3)
    assert_same_weights(tmp_path / "cli" / "weights.safetensors",
                        tmp_path / "py" / "weights.safetensors")


def test_on_epoch_stops_the_run_and_resume_finishes_it_exactly(cli, idx_data, tmp_path):
    opts = options(idx_data)
    run(cli, "train", *cli_args(opts), "--out", tmp_path / "whole")
    out = str(tmp_path / "stopped")
    result = svertka.train(out=out, on_epoch=lambda m: m["epoch"] < 1, **opts)
    assert result["interrupted"] and result["iteration"] == 8  # 64 / 8 per epoch
    assert os.path.exists(os.path.join(out, "checkpoint.safetensors"))
    result = svertka.train(out=out, resume=True, **opts)
    assert not result["interrupted"] and result["iteration"] == 16
    assert_same_weights(tmp_path / "whole" / "weights.safetensors",
                        os.path.join(out, "weights.safetensors"))


def test_an_error_in_on_epoch_saves_a_checkpoint_and_is_raised(idx_data, tmp_path):
    def fail(metrics):
        raise RuntimeError("stop at epoch %d" % metrics["epoch"])

    with pytest.raises(RuntimeError, match="stop at epoch 1"):
        svertka.train(out=str(tmp_path / "run"), on_epoch=fail, **options(idx_data))
    assert os.path.exists(tmp_path / "run" / "checkpoint.safetensors")


def test_ctrl_c_saves_a_checkpoint_and_raises_keyboard_interrupt(idx_data, tmp_path):
    # SIGINT arrives from another thread while the trainer runs (the GIL released); Python's
    # handler is run between two updates, and the trainer saves and stops as the CLI does.
    def interrupt_soon(metrics):
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()

    out = str(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        svertka.train(out=out, on_epoch=interrupt_soon, **options(idx_data, epochs=400))
    assert os.path.exists(os.path.join(out, "checkpoint.safetensors"))
    assert not os.path.exists(os.path.join(out, "weights.safetensors"))  # not the end of a run


def test_bad_options_raise_with_the_cli_message(idx_data, tmp_path):
    with pytest.raises(svertka.ParamError, match="--no-such-option"):
        svertka.train(out=str(tmp_path / "x"), no_such_option=1, **options(idx_data))
    with pytest.raises(svertka.NotFoundError, match="no_such_model"):
        svertka.train(**options(idx_data, model="no_such_model"))
    with pytest.raises(svertka.Error, match="missing"):
        svertka.train(**options(str(tmp_path / "missing")))
