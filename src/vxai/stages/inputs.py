"""The test inputs every model stage starts from."""

from vxai.data.inputs import load_test_set, model_inputs, subset_indices


def prepared_test_subset(data_path, model, test_samples, n_picked=None):
    """Model inputs, labels, ids and class names of the test subset; with `n_picked`, of
    that many evenly spaced samples of it (prepared alone: resizing every tile costs
    seconds)."""
    x, y, ids, class_names = load_test_set(data_path, test_samples)
    picked = subset_indices(len(x), n_picked)
    return model_inputs(x[picked], model.input_shape), y[picked], ids[picked], class_names
