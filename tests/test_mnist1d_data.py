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
