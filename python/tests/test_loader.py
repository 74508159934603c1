"""svertka.ImageLoader: the batches of `svertka bench-data` for a seed, whatever the workers;
numpy out (torch.from_numpy-ready); errors for bad input."""
import numpy as np
import pytest

from conftest import run

import svertka

AUGMENT = dict(batch=4, crop=64, scale=(80, 100), pca_colour=0.1, seed=7)


def test_loader_batches_equal_bench_data_dump(cli, big_images, tmp_path):
    dump = tmp_path / "dump.npy"
    run(cli, "bench-data", "--train-list", big_images, "--batch", 4, "--crop", 64, "--scale", 80,
        "--scale-max", 100, "--pca-colour", 0.1, "--seed", 7, "--epochs", 1, "--workers", 2,
        "--dump", dump, "--dump-batches", 3)
    expected = np.load(dump).reshape(12, 3, 64, 64)
    expected_labels = np.load(str(dump)[:-4] + ".labels.npy")
    for workers in (0, 3):
        loader = svertka.ImageLoader(big_images, workers=workers, **AUGMENT)
        assert len(loader) == 5 and loader.num_images == 20 and loader.num_classes == 4
        batches = list(loader)
        assert len(batches) == 5
        images = np.concatenate([b[0] for b in batches[:3]])
        labels = np.concatenate([b[1] for b in batches[:3]])
        assert images.dtype == np.float32 and labels.dtype == np.int64
        np.testing.assert_array_equal(images, expected)
        np.testing.assert_array_equal(labels, expected_labels)


def test_each_iteration_is_the_next_epoch(big_images):
    loader = svertka.ImageLoader(big_images, **AUGMENT)
    first = next(iter(loader))[0]
    second = next(iter(loader))[0]
    assert loader.epoch == 2 and not np.array_equal(first, second)
    loader.set_epoch(0)
    np.testing.assert_array_equal(next(iter(loader))[0], first)


def test_evaluation_batches_are_centre_crops_in_order(images):
    loader = svertka.ImageLoader(images["list"], batch=4, crop=32, scale=32, mean="none",
                                 augment=False, shuffle=False, mirror=False)
    x, y = next(iter(loader))
    expected = np.stack([rgb[:, :, ::-1].transpose(2, 0, 1) for rgb in images["rgb"][:4]])
    np.testing.assert_array_equal(x, expected.astype(np.float32))
    np.testing.assert_array_equal(y, [0, 1, 2, 0])
    rgb = svertka.ImageLoader(images["list"], batch=4, crop=32, scale=32, augment=False,
                              shuffle=False, mirror=False, channel_order="rgb",
                              mean=(10.0, 20.0, 30.0))
    x = next(iter(rgb))[0]
    np.testing.assert_array_equal(x[0, 0], images["rgb"][0][:, :, 0] - np.float32(10))
    np.testing.assert_array_equal(x[0, 2], images["rgb"][0][:, :, 2] - np.float32(30))


def test_bad_input_raises_with_a_clear_message(images, tmp_path):
    with pytest.raises(svertka.Error, match="missing"):
        svertka.ImageLoader(str(tmp_path / "missing"))
    with pytest.raises(svertka.ParamError, match="batch 64 is larger than the 12 images"):
        svertka.ImageLoader(images["list"], crop=32, scale=32)
    with pytest.raises(svertka.ParamError):
        svertka.ImageLoader(images["list"], batch=4, crop=64, scale=32)  # crop > S
    bad = tmp_path / "bad.txt"
    bad.write_text("nothing.jpg 0\nnothing2.jpg 1\n")
    loader = svertka.ImageLoader(str(bad), batch=2, crop=32, scale=32)
    with pytest.raises(svertka.Error, match="nothing"):
        next(iter(loader))
