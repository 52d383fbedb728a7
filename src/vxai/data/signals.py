"""Your own signals: an .npz with x, y, x_test, y_test (and optionally class_names), checked
and turned into the arrays every stage takes (as MNIST-1D's)."""

import numpy as np

from vxai.errors import UserError

REQUIRED = ("x", "y", "x_test", "y_test")


def _labels(path, name, y, n):
    if y.ndim != 1 or len(y) != n:
        raise UserError(f"'{path}': {name} must hold one integer label per signal ({n}), "
                        f"not an array of shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) and not np.all(np.mod(y, 1) == 0):
        raise UserError(f"'{path}': {name} must hold integer class labels 0, 1, ...")
    return y.astype(np.int64)


def load_signals(path, class_names=None):
    """The arrays of the signal file `path`: x and x_test of shape (n, length) or
    (n, length, channels) as float32, integer labels, ids train/<i> and test/<i>, and the
    class names (`class_names`, the file's, or the labels as text)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in REQUIRED if key not in data.files]
            if missing:
                raise UserError(f"'{path}' lacks the arrays {missing}: a signal file holds x, y, "
                                "x_test and y_test (and optionally class_names)")
            found = {key: data[key] for key in data.files}
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read the signal file '{path}' ({err}); give an .npz written "
                        "by numpy.savez") from None
    arrays = {}
    for suffix in ("", "_test"):
        x = found["x" + suffix]
        if x.ndim not in (2, 3) or not np.issubdtype(x.dtype, np.number):
            raise UserError(f"'{path}': x{suffix} has shape {x.shape} ({x.dtype}); signals are "
                            "numbers of shape (n, length) or (n, length, channels)")
        if not np.all(np.isfinite(x)):
            raise UserError(f"'{path}': x{suffix} holds NaN or infinite values")
        arrays["x" + suffix] = x.astype(np.float32)
        arrays["y" + suffix] = _labels(path, "y" + suffix, found["y" + suffix], len(x))
        arrays["ids" + suffix] = np.array([f"{suffix[1:] or 'train'}/{i}" for i in range(len(x))])
    if arrays["x"].shape[1:] != arrays["x_test"].shape[1:]:
        raise UserError(f"'{path}': x has signals of shape {arrays['x'].shape[1:]} but x_test "
                        f"of shape {arrays['x_test'].shape[1:]}; both splits need the same")
    names = class_names if class_names else found.get("class_names")
    labels = np.concatenate([arrays["y"], arrays["y_test"]])
    if names is None:
        names = [str(i) for i in range(int(labels.max()) + 1)]
    names = [str(name) for name in names]
    if labels.min() < 0 or labels.max() >= len(names):
        raise UserError(f"'{path}': labels run from {labels.min()} to {labels.max()}, but there "
                        f"are {len(names)} class names; labels must be 0 to {len(names) - 1}")
    arrays["class_names"] = np.array(names)
    return arrays
