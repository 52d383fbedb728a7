"""MNIST-1D, generated locally with the `mnist1d` package."""

import numpy as np
from mnist1d.data import get_dataset_args, get_templates, make_dataset
from mnist1d.utils import ObjectView

from vxai.errors import UserError

CLASS_NAMES = [str(d) for d in range(10)]


def generate(args):
    """Make the dataset from `args` (the package's argument names); return a dict of arrays.

    Keys: x, y, x_test, y_test (signals (n, 40) exactly as the package makes them, labels
    int64), t (the time axis),
    templates (10, 12) with templates_t, ids and ids_test (string ids), class_names.
    """
    defaults = get_dataset_args(as_dict=True)
    unknown = sorted(set(args) - set(defaults))
    if unknown:
        raise UserError(
            f"unknown MNIST-1D generation argument(s) {unknown} in config 'mnist1d: generate'; "
            f"known ones are {sorted(k for k in defaults if k != 'url')}"
        )
    merged = {**defaults, **args}
    merged["padding"] = list(merged["padding"])
    data = make_dataset(ObjectView(merged), template=get_templates())
    templates = data["templates"]
    return {
        "x": np.asarray(data["x"]),
        "y": data["y"].astype(np.int64),
        "x_test": np.asarray(data["x_test"]),
        "y_test": data["y_test"].astype(np.int64),
        "t": np.asarray(data["t"], dtype=np.float64),
        "templates": np.asarray(templates["x"], dtype=np.float64),
        "templates_t": np.asarray(templates["t"], dtype=np.float64),
        "ids": np.array([f"train/{i:05d}" for i in range(len(data["y"]))]),
        "ids_test": np.array([f"test/{i:05d}" for i in range(len(data["y_test"]))]),
        "class_names": np.array(CLASS_NAMES),
    }
