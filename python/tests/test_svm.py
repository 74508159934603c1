"""svertka.svm: the library's linear SVMs on numpy features; the notebook-style example runs."""
import os
import subprocess
import sys

import numpy as np
import pytest

import svertka


def test_linear_svm_separates_separable_features(tmp_path):
    rng = np.random.default_rng(3)
    labels = np.arange(60) % 3
    features = rng.normal(size=(60, 8)).astype(np.float32)
    features[np.arange(60), labels] += 6
    svm = svertka.svm.LinearSvm(features, labels, c_search=True, c_grid=[0.1, 1])
    assert svm.c in (0.1, 1) and len(svm.cv_accuracy) == 2
    assert svm.accuracy(features, labels) == 1.0
    np.testing.assert_array_equal(svm.predict(features), labels)
    svm.save(str(tmp_path / "svm.model"))
    assert (tmp_path / "svm.model").read_text().startswith("solver_type")
    with pytest.raises(svertka.ParamError, match="two classes"):
        svertka.svm.LinearSvm(features, np.zeros(60, np.int64))
    with pytest.raises(svertka.ShapeError, match="one per row"):
        svertka.svm.LinearSvm(features, labels[:10])
    with pytest.raises(svertka.ParamError, match="float32, got float64"):
        svertka.svm.LinearSvm(features.astype(np.float64), labels)


def test_the_example_classifies_and_trains_an_svm(cli, tiny_caffe, images):
    example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python",
                           "classify_and_transfer.py")
    done = subprocess.run([sys.executable, example, "--model", tiny_caffe[0], "--weights",
                           tiny_caffe[1], "--images", images["list"], "--layer", "fc7"],
                          capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS="1",
                                   PYTHONPATH=os.path.dirname(os.path.dirname(svertka.__file__))))
    assert done.returncode == 0, done.stderr
    assert "top 5 of" in done.stdout and "SVM on fc7 features" in done.stdout
