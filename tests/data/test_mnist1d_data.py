"""MNIST-1D arrays are exactly what the mnist1d package makes with the canonical arguments."""

import numpy as np
import yaml
from mnist1d.data import get_dataset_args, get_templates, make_dataset

from conftest import REPO
from vxai.data.mnist1d import generate


def test_generated_arrays_equal_the_package_output():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    arrays = generate(config["mnist1d"]["generate"])
    reference = make_dataset(get_dataset_args(), get_templates())
    for key in ("x", "y", "x_test", "y_test", "t"):
        np.testing.assert_array_equal(arrays[key], reference[key])
    np.testing.assert_array_equal(arrays["templates"], reference["templates"]["x"])
    assert arrays["x"].shape == (4000, 40) and arrays["x_test"].shape == (1000, 40)
    assert len(set(arrays["ids_test"])) == 1000


def test_unknown_generation_argument_is_named():
    import pytest

    from vxai.errors import UserError

    with pytest.raises(UserError, match="num_sampels"):
        generate({"num_sampels": 10})


def test_replay_reproduces_the_package_signals_and_tracks_the_template():
    from vxai.data.mnist1d import replay

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    signals, labels, support = replay(config["mnist1d"]["generate"])
    reference = make_dataset(get_dataset_args(), get_templates())
    np.testing.assert_array_equal(signals, np.concatenate([reference["x"], reference["x_test"]]))
    np.testing.assert_array_equal(labels, np.concatenate([reference["y"], reference["y_test"]]))
    assert support.shape == signals.shape and 0 <= support.min() and support.max() <= 1
    # the 12-point template is stretched over 12 of 72 points before subsampling to 40
    assert 0.15 < (support > 0.5).mean() < 0.25
    assert ((support > 0.5).sum(axis=1) > 0).all()  # every signal shows part of its digit


def test_generated_arrays_carry_the_template_support():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    arrays = generate(config["mnist1d"]["generate"])
    assert arrays["support_test"].shape == (1000, 40)
    assert np.isfinite(arrays["support_test"]).all()
