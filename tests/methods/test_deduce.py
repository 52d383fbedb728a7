"""DeDUCE: counterfactuals that reach the class with the configured confidence, changing few
input values, pulled towards the fitted class density."""

import numpy as np
import pytest
import tensorflow as tf

from small_models import sample, small_cnn
from vxai.errors import UserError
from vxai.methods import get_method


def fitted(rank=1, **params):
    model = small_cnn(rank, head="gap")
    head = model.get_layer("head")  # confident enough logits for a confidence threshold
    head.set_weights([w * 20 for w in head.get_weights()])
    x = sample(model, 200, seed=5)
    labels = np.arange(len(x)) % 4
    explainer = get_method("deduce")(model, **params)
    explainer.fit(x, labels, np.arange(len(x)))
    return explainer, model, x[:8]


def test_the_class_density_is_the_fitted_gaussian():
    explainer, model, x = fitted()
    features = explainer._features(tf.constant(x)).numpy().astype(np.float64)
    for c, gaussian in enumerate(explainer.gaussians):
        ours = explainer.class_log_density(tf.constant(features, tf.float32),
                                           tf.fill([len(x)], c)).numpy()
        np.testing.assert_allclose(ours, gaussian.score_samples(features), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("rank", [1, 2])
def test_counterfactuals_reach_the_class_with_the_confidence(rank):
    explainer, model, x = fitted(rank, confidence=0.6, fraction=0.05, step_size=0.25,
                                 max_steps=200)
    result = explainer.explain(x)
    classes = result.extras["counterfactual_class"]
    assert (classes != result.targets).all()
    success = result.extras["counterfactual_success"]
    assert success.mean() >= 0.75
    counterfactual, done = explainer.search(x, classes)
    np.testing.assert_array_equal(done, success)
    probs = model.predict(counterfactual, verbose=0)
    reached = probs[np.arange(len(x)), classes]
    assert (reached[success] >= 0.6).all() and (probs.argmax(axis=1)[success] == classes[success]).all()
    change = counterfactual - x
    np.testing.assert_allclose(result.maps, np.abs(change).sum(axis=-1), atol=1e-6)
    assert (result.extras["edit_size"] == (change.reshape(len(x), -1) != 0).sum(axis=1)).all()
    k = max(1, round(0.05 * x[0].size))
    assert (result.extras["edit_size"] <= k * 200).all()


def test_the_density_term_keeps_counterfactuals_nearer_the_data():
    # a sharp density (small reg_covar) and a weight that still lets every search succeed
    search = {"fraction": 0.05, "step_size": 0.25, "max_steps": 200, "reg_covar": 1e-4}
    plain, _, x = fitted(density_weight=0.0, **search)
    pulled, _, _ = fitted(density_weight=0.2, **search)
    without, with_density = plain.explain(x).extras, pulled.explain(x).extras
    both = without["counterfactual_success"] & with_density["counterfactual_success"]
    assert both.sum() >= 4
    assert (with_density["log_density_counterfactual"][both].mean()
            > without["log_density_counterfactual"][both].mean())


def test_a_class_without_samples_stops_the_fit():
    model = small_cnn(1)
    explainer = get_method("deduce")(model)
    x = sample(model, 6)
    with pytest.raises(UserError, match="training split has 0 sample\\(s\\) of class 3"):
        explainer.fit(x, np.array([0, 0, 1, 1, 2, 2]), np.arange(6))
