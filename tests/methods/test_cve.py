"""Counterfactual visual explanations: the greedy cell swaps are exact and the distractor is
the one the method promises."""

import numpy as np
import pytest
import tensorflow as tf

from small_models import sample, small_cnn
from vxai.errors import UserError
from vxai.methods import get_method
from vxai.methods.base import upsample
from vxai.methods.counterfactual.cve import _cells, _uncells


def fitted(model, n=40, **params):
    x = sample(model, n)
    labels = model.predict(x, verbose=0).argmax(axis=1)
    explainer = get_method("cve")(model, layer="last_conv", **params)
    explainer.fit(x, labels, np.array([f"s{i}" for i in range(n)]))
    return explainer, x, labels


def test_cells_round_trip():
    features = np.arange(2 * 6 * 4 * 3, dtype=np.float32).reshape(2, 6, 4, 3)
    cells = _cells(features, 2)
    assert cells.shape == (2, 6, 4, 3)
    np.testing.assert_array_equal(cells[0, 1, :, 0], features[0, 0:2, 2:4, 0].ravel())
    np.testing.assert_array_equal(_uncells(cells, (6, 4), 2), features)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("head", ["flatten", "gap"])
def test_swaps_make_the_model_predict_the_counterfactual_class(rank, head):
    model = small_cnn(rank, head=head)
    explainer, x, _ = fitted(model)
    result = explainer.explain(x[:6])
    extras = result.extras
    assert extras["counterfactual_success"].any()
    for i in range(6):
        n = extras["edit_size"][i]
        query = explainer._feature_cells(x[i : i + 1])[0]
        distractor_id = extras["distractor"][i]
        distractor_x = x[int(distractor_id[1:])]
        distractor = explainer._feature_cells(distractor_x[None])[0]
        swapped = query.copy()
        swapped[extras["edit_query_cells"][i, :n]] = distractor[extras["edit_distractor_cells"][i, :n]]
        assert (extras["edit_query_cells"][i, n:] == -1).all()
        logits = explainer.head(tf.constant(_uncells(swapped[None], explainer.spatial, 1)))
        predicted = int(np.argmax(logits))
        # the model itself, run on the edited features, agrees with the search's verdict
        assert (predicted == extras["counterfactual_class"][i]) == extras["counterfactual_success"][i]
        if extras["counterfactual_success"][i] and n > 1:  # greedy stops at the first swap that flips
            swapped[extras["edit_query_cells"][i, n - 1]] = query[extras["edit_query_cells"][i, n - 1]]
            fewer = explainer.head(tf.constant(_uncells(swapped[None], explainer.spatial, 1)))
            assert int(np.argmax(fewer)) != extras["counterfactual_class"][i]
        layer_map = np.zeros((1, *explainer.spatial), np.float32)
        layer_map.reshape(-1)[extras["edit_query_cells"][i, :n]] = (n - np.arange(n)) / n
        expected = upsample(layer_map, model.input_shape[1:-1])[0]
        np.testing.assert_allclose(result.maps[i], expected, atol=1e-6)


@pytest.mark.parametrize("rank", [1, 2])
def test_matrix_product_search_equals_running_the_head_on_every_swap(rank):
    model = small_cnn(rank, head="gap")
    explainer, x, _ = fitted(model)
    exact = explainer.explain(x[:5])
    explainer.linear = False  # the paper's exhaustive search through the head
    searched = explainer.explain(x[:5])
    np.testing.assert_array_equal(exact.extras["edit_query_cells"],
                                  searched.extras["edit_query_cells"])
    np.testing.assert_array_equal(exact.extras["edit_distractor_cells"],
                                  searched.extras["edit_distractor_cells"])
    np.testing.assert_array_equal(exact.maps, searched.maps)


def test_the_distractor_is_the_most_confident_sample_of_the_counterfactual_class():
    model = small_cnn(2, head="gap")
    explainer, x, labels = fitted(model)
    probs = model.predict(x, verbose=0)
    result = explainer.explain(x[:4])
    for i, c in enumerate(result.extras["counterfactual_class"]):
        members = np.flatnonzero(labels == c) if (labels == c).any() else np.arange(len(x))
        assert result.extras["distractor"][i] == f"s{members[np.argmax(probs[members, c])]}"
        others = probs[i].copy()
        others[result.targets[i]] = -1
        assert c == others.argmax()


def test_misuse_stops_with_a_message():
    model = small_cnn(1)
    with pytest.raises(UserError, match=r"cell_size 5 does not divide .*'last_conv'"):
        get_method("cve")(model, layer="last_conv", cell_size=5)
    with pytest.raises(UserError, match="needs the test split: call fit"):
        get_method("cve")(model).explain(sample(model, 2))
