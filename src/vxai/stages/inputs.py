"""The test inputs every model stage starts from."""

import functools

from vxai.data.inputs import load_arrays, load_test_set, model_inputs, subset_indices
from vxai.methods import get_method


def prepared_test_subset(data_path, model, test_samples, n_picked=None, positions=None):
    """Model inputs, labels, ids and class names of the test subset; with `n_picked`, of
    that many evenly spaced samples of it, or with `positions`, of those (prepared alone:
    resizing every tile costs seconds)."""
    x, y, ids, class_names = load_test_set(data_path, test_samples)
    picked = subset_indices(len(x), n_picked) if positions is None else positions
    return model_inputs(x[picked], model.input_shape), y[picked], ids[picked], class_names


@functools.lru_cache(maxsize=2)
def split_inputs(data_path, split, limit, input_shape):
    """(model inputs, labels, ids) of at most `limit` evenly spaced samples of a split; kept
    in memory, so that the sanity check's fits on each randomized model read it once."""
    keys = ["x", "y", "ids"] if split == "train" else ["x_test", "y_test", "ids_test"]
    x, y, ids = load_arrays(data_path, keys).values()
    picked = subset_indices(len(y), limit)
    return model_inputs(x[picked], input_shape), y[picked], ids[picked]


def make_explainer(method, model, data_path, **params):
    """The method's explainer for `model`, fitted on its `fit_split` of the dataset (at most
    `fit_samples` evenly spaced samples of it) when it needs one."""
    explainer = get_method(method)(model, **params)
    if explainer.fit_split:
        explainer.fit(*split_inputs(str(data_path), explainer.fit_split,
                                    getattr(explainer, "fit_samples", None),
                                    tuple(model.input_shape)))
    return explainer
