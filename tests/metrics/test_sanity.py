"""The sanity check tells a model-dependent method from one that ignores the model."""

import keras
import numpy as np
import pytest

from numeric import assert_above, assert_below
from vxai.methods import get_method
from vxai.metrics.sanity import cascading_randomization, rank_correlations, randomized_copies

pytestmark = pytest.mark.numeric


def model_and_inputs():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 1))
    x = keras.layers.Conv1D(4, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    return model, np.random.default_rng(0).normal(size=(6, 16, 1)).astype(np.float32)


def test_copies_randomize_from_the_top_and_leave_the_model_alone():
    model, _ = model_and_inputs()
    before = [w.copy() for w in model.get_weights()]
    steps = list(randomized_copies(model, seed=1))
    assert [name for name, _ in steps] == [model.layers[-1].name, model.layers[1].name]
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_gradient_map_changes_but_an_input_only_map_does_not():
    model, x = model_and_inputs()
    rows = cascading_randomization(lambda m: get_method("saliency")(m), model, x, seed=2)
    # a property of the randomized model, not a tolerance
    assert_below(rows[-1]["spearman_mean"], 0.9, "Spearman after randomizing every layer")

    class InputOnly:  # a "method" that ignores the model: its maps never change
        def __init__(self, m):
            self.model = m

        def explain(self, inputs, targets=None):
            from vxai.methods.base import Attribution

            return Attribution(np.abs(inputs[..., 0]), np.zeros(len(inputs), int))

    rows = cascading_randomization(InputOnly, model, x, seed=2)
    # identical maps: Spearman is 1 up to float64 rounding
    assert_above(min(r["spearman_mean"] for r in rows), 1.0 - 1e-9, "Spearman of unchanged maps")


def test_rank_correlations_handle_constant_maps():
    corr = rank_correlations(np.array([[1.0, 2, 3], [1, 1, 1]]), np.array([[3.0, 2, 1], [1, 2, 3]]))
    assert corr[0] == -1.0 and np.isnan(corr[1])
