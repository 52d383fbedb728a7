"""Load the extracted arrays and turn them into what a model takes."""

import numpy as np

from vxai.errors import UserError


def load_arrays(path, keys=None):
    """Arrays of an .npz written by the pipeline, as a dict: all of them, or only `keys`
    (each array is read only when asked for)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = sorted(set(keys or ()) - set(data.files))
            if missing:
                raise UserError(f"'{path}' lacks the arrays {missing}; delete it and rerun")
            return {key: data[key] for key in (data.files if keys is None else keys)}
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read '{path}' ({err}); delete it and rerun") from None


def load_maps(paths):
    """Concatenate the shards of one method's maps, in test-subset order."""
    parts = [load_arrays(path) for path in paths]
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(merged["positions"], kind="stable")
    return {key: value[order] for key, value in merged.items()}


def subset_indices(n_total, limit=None):
    """Indices of an evenly spaced, deterministic subset of `limit` samples (all if None):
    floor(i * n_total / limit). The subsets nest: the one of k samples lies inside the one of
    m * k, so metrics and methods on subsets of power-of-two sizes share their samples."""
    if limit is None or limit >= n_total:
        return np.arange(n_total)
    return np.arange(int(limit), dtype=np.int64) * n_total // int(limit)


def load_test_set(path, limit=None):
    """(x, y, ids, class_names) of the test split, restricted to `limit` samples if given."""
    data = load_arrays(path, ["x_test", "y_test", "ids_test", "class_names"])
    idx = subset_indices(len(data["y_test"]), limit)
    return data["x_test"][idx], data["y_test"][idx], data["ids_test"][idx], data["class_names"]


def load_test_support(path, limit=None):
    """MNIST-1D's per-point template support of the test subset, or None for other data."""
    with np.load(path, allow_pickle=False) as data:
        if "support_test" not in data.files:
            return None
        support = data["support_test"]
    return support[subset_indices(len(support), limit)]


# ITU-R BT.601 luma weights: RGB images for a model that takes grey ones
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def model_inputs(x, input_shape, batch_size=256):
    """Float32 model inputs from raw arrays: signals get a channel axis; images are resized
    bilinearly to the model's spatial size, and grey ones repeated to RGB (or RGB ones turned
    grey) as the model takes them; uint8 pixels are scaled to [0, 1]."""
    import tensorflow as tf

    spatial = tuple(input_shape[1:-1])
    x = np.asarray(x)
    scale = 1 / 255 if x.dtype == np.uint8 else 1.0
    if x.ndim == len(spatial) + 1:  # (n, length) signals without a channel axis
        x = x[..., None]
    x = x.astype(np.float32)
    if len(spatial) == 2 and (x.shape[-1], input_shape[-1]) == (1, 3):
        x = np.repeat(x, 3, axis=-1)
    elif len(spatial) == 2 and (x.shape[-1], input_shape[-1]) == (3, 1):
        x = x @ LUMA[:, None]
    if len(spatial) == 2 and x.shape[1:3] != spatial and len(x):
        x = np.concatenate(
            [
                tf.image.resize(x[i : i + batch_size], spatial, method="bilinear").numpy()
                for i in range(0, len(x), batch_size)
            ]
        )
    x *= scale
    if x.shape[1:] != tuple(input_shape[1:]):
        raise UserError(
            f"data of shape {x.shape[1:]} does not fit the model input {tuple(input_shape[1:])}; "
            "check that the model file belongs to this dataset"
        )
    return x


def load_templates(data, labels=slice(None)):
    """MNIST-1D's digit template of each of `labels` (default: of every class), or None for
    data without templates."""
    with np.load(data, allow_pickle=False) as arrays:
        return arrays["templates"][labels] if "templates" in arrays.files else None
