"""Complexity metrics (checked against Quantus 0.6) and what the metrics agree on."""

import numpy as np
import pandas as pd
import pytest

from vxai.metrics.complexity import complexity, sparseness
from vxai.statistics.agreement import (
    disagreement_sentence,
    kendall,
    metric_ranks,
    random_beats_most,
)


def test_sparseness_and_complexity_at_their_extremes():
    n = 64
    one_hot, uniform = np.zeros((1, n)), np.ones((1, n))
    one_hot[0, 5] = -3.0  # the absolute map counts
    assert sparseness(one_hot)[0] == pytest.approx(1 - 1 / n, abs=1e-5)
    assert sparseness(uniform)[0] == pytest.approx(0.0, abs=1e-12)
    assert complexity(one_hot)[0] == pytest.approx(0.0, abs=1e-9)
    assert complexity(uniform)[0] == pytest.approx(np.log(n))
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(4, 8, 8))
    np.testing.assert_allclose(sparseness(7.5 * maps), sparseness(maps))  # scale-free
    np.testing.assert_allclose(complexity(7.5 * maps), complexity(maps))
    assert np.isnan(complexity(np.zeros((1, 4)))[0]) and sparseness(np.zeros((1, 4)))[0] == 0


def test_sparseness_and_complexity_equal_quantus():
    """Quantus 0.6 (installed with --no-deps, as .ci/run does) on the same signed maps of
    images and signals: its defaults take the absolute map divided by its maximum. Quantus
    takes that maximum over all the maps it is given at once, so its score of a map moves
    with the other maps (through the 1e-7 offset, by up to 5e-5 here); ours is per map, as
    Quantus given one map at a time."""
    quantus = pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    rng = np.random.default_rng(1)
    for shape, x_shape in (((6, 1, 16, 16), (6, 3, 16, 16)), ((6, 1, 40), (6, 1, 40))):
        maps = rng.normal(size=shape) * rng.random((shape[0],) + (1,) * (len(shape) - 1))
        x, y = rng.random(x_shape), np.zeros(shape[0], dtype=int)
        for ours, metric in ((sparseness, quantus.Sparseness), (complexity, quantus.Complexity)):
            theirs = [metric(disable_warnings=True)(model=None, x_batch=x[i:i + 1],
                                                    y_batch=y[i:i + 1], a_batch=maps[i:i + 1].copy())[0]
                      for i in range(len(maps))]  # one map per call: see above
            np.testing.assert_allclose(ours(maps[:, 0]), theirs, rtol=1e-9)
            batched = metric(disable_warnings=True)(model=None, x_batch=x, y_batch=y,
                                                    a_batch=maps.copy())
            np.testing.assert_allclose(ours(maps[:, 0]), batched, rtol=1e-3)


def overall(values):
    """Overall summary rows of methods a, b, c, d and the random map."""
    methods = ["gradcam", "saliency", "rise", "lime", "random_map"]
    return pd.DataFrame({"method": methods, **values})


def test_ranks_follow_each_metrics_direction_and_tau_compares_them():
    rows = overall({"drop_pct": [10, 20, 30, 40, 50],          # lower is better
                    "insertion_auc": [0.9, 0.8, 0.7, 0.6, 0.5],  # higher is better: agrees
                    "complexity": [1, 2, 3, 4, 5],               # lower is better: agrees
                    "sparseness": [0.1, 0.2, 0.3, 0.4, 0.5],     # higher is better: reversed
                    "pointing_game": [np.nan] * 5})              # not computed: left out
    ranks = metric_ranks(rows)
    assert set(ranks["metric"]) == {"drop_pct", "insertion_auc", "complexity", "sparseness"}
    by = ranks.pivot(index="method", columns="metric", values="rank")
    assert by.loc["gradcam"].tolist() == [1, 1, 1, 5]  # complexity, drop, insertion, sparseness
    tau = kendall(ranks).set_index(["metric_a", "metric_b"])["tau"]
    assert tau[("drop_pct", "insertion_auc")] == pytest.approx(1.0)
    assert tau[("drop_pct", "sparseness")] == pytest.approx(-1.0)
    assert (kendall(ranks)["n"] == 4).all()  # the random map is left out of tau
    assert random_beats_most(ranks) == ["sparseness"]  # it ranks first there
    sentence = disagreement_sentence(kendall(ranks), pairs=1)
    assert "Drop% and sparseness (tau = -1.00)" in sentence


def linear_scores(weights):
    """predict(x): the features times `weights`, summed, as every class's 'probability'."""
    def predict(x):
        score = (x.reshape(len(x), -1) * weights.reshape(1, -1)).sum(axis=1)
        return np.stack([score, -score], axis=1)
    return predict


@pytest.mark.parametrize("shape", [(40, 1), (12, 12, 3)])
def test_faithfulness_correlation_is_one_for_the_exact_map_of_a_linear_score(shape):
    """When the class score is linear, the drop from zeroing a subset is exactly the map
    w * x summed over it (all channels of a feature at once): correlation 1; a random map
    correlates near 0."""
    from vxai.metrics.correlation import faithfulness_correlation, random_subsets

    rng = np.random.default_rng(2)
    x, weights = rng.random((5, *shape)), rng.normal(size=shape)
    exact = (x * weights).reshape(5, *shape[:-1], shape[-1]).sum(axis=-1)
    n_features = int(np.prod(shape[:-1]))
    subsets = random_subsets(rng, 60, 5, n_features, max(2, n_features // 10))
    classes = np.zeros(5, dtype=int)
    predict = linear_scores(weights)
    np.testing.assert_allclose(faithfulness_correlation(predict, x, exact, classes, subsets,
                                                        batch_size=2), 1.0, atol=1e-12)
    noise = faithfulness_correlation(predict, x, rng.random(exact.shape), classes, subsets)
    assert np.abs(noise).mean() < 0.35
    assert subsets.shape == (60, 5, max(2, n_features // 10))
    assert all(len(set(s)) == len(s) for s in subsets.reshape(-1, subsets.shape[-1]))


def test_faithfulness_correlation_equals_quantus_on_the_same_draws():
    """Quantus 0.6 on a torch softmax model over 1-channel signals (one channel: its
    per-value features are our per-point features), zero baseline, the same random subsets
    (replayed from NumPy's global generator, which Quantus draws from)."""
    quantus = pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    torch = pytest.importorskip("torch")
    from vxai.metrics.correlation import faithfulness_correlation

    rng = np.random.default_rng(3)
    n, length, size, runs = 6, 40, 4, 30
    x = rng.normal(size=(n, 1, length)).astype(np.float32)
    maps = rng.normal(size=(n, 1, length))
    weights = rng.normal(size=(length, 3)).astype(np.float32)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(length, 3, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.from_numpy(weights.T))
    model.eval()
    y = np.argmax(x[:, 0] @ weights, axis=1)

    def predict(batch):
        logits = batch.reshape(len(batch), -1) @ weights
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    np.random.seed(11)
    subsets = np.stack([np.stack([np.random.choice(length, size, replace=False)
                                  for _ in range(n)]) for _ in range(runs)])
    ours = faithfulness_correlation(predict, x.transpose(0, 2, 1), maps[:, 0], y, subsets)
    np.random.seed(11)
    theirs = quantus.FaithfulnessCorrelation(
        nr_runs=runs, subset_size=size, perturb_baseline=0.0, abs=False, normalise=True,
        return_aggregate=False, disable_warnings=True)(
        model=model, x_batch=x, y_batch=y, a_batch=maps.copy(), softmax=True, batch_size=n,
        device="cpu", channel_first=True)
    assert np.isfinite(ours).all() and np.ptp(ours) > 0.1  # real, varied correlations
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_sensitivity_is_zero_for_a_constant_explanation_and_grows_with_the_radius():
    from vxai.metrics.robustness import sensitivity

    rng = np.random.default_rng(4)
    x, classes = rng.random((6, 10, 10, 3)).astype(np.float32), np.zeros(6, dtype=int)
    fixed = rng.random((6, 10, 10))
    maps = lambda inputs, _: fixed[:len(inputs)]  # noqa: E731 - ignores its input
    worst, mean = sensitivity(maps, x, classes, fixed, 3, lambda s: rng.uniform(-0.1, 0.1, s))
    assert np.allclose(worst, 0) and np.allclose(mean, 0)

    def squared(inputs, _):  # a map that moves with the input
        return (inputs ** 2).sum(axis=-1)

    small = sensitivity(squared, x, classes, squared(x, None), 8,
                        lambda s: rng.uniform(-0.01, 0.01, s))
    large = sensitivity(squared, x, classes, squared(x, None), 8,
                        lambda s: rng.uniform(-0.1, 0.1, s))
    assert (small[0] >= small[1]).all() and (large[0] > 5 * small[0]).all()
    scaled = sensitivity(lambda i, c: 3 * squared(i, c), x, classes, squared(x, None), 2,
                         lambda s: np.zeros(s))
    assert np.allclose(scaled[0], 0, atol=1e-6)  # the scale of a map does not count (float32)


def test_max_and_avg_sensitivity_equal_quantus_on_the_same_noise():
    """Quantus 0.6 MaxSensitivity and AvgSensitivity (uniform noise, normalise=True: the map
    divided by its largest absolute value) on 1-channel signals, one sample per call (Quantus
    divides by the maximum over all the maps it is given at once), the same draws replayed
    from NumPy's global generator."""
    quantus = pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    torch = pytest.importorskip("torch")
    from vxai.metrics.robustness import sensitivity

    rng = np.random.default_rng(5)
    n, length, draws, radius = 4, 40, 6, 0.05
    x = rng.normal(size=(n, 1, length)).astype(np.float32)
    weights = rng.normal(size=(length,))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(length, 2)).eval()

    def explain_flat(flat):  # a nonlinear map of the input
        return np.tanh(flat * weights) * flat

    def theirs_explain(model, inputs, targets, **kwargs):
        return explain_flat(np.asarray(inputs).reshape(len(inputs), -1)).reshape(inputs.shape)

    y = np.zeros(n, dtype=int)
    for metric, column in ((quantus.MaxSensitivity, 0), (quantus.AvgSensitivity, 1)):
        for i in range(n):
            np.random.seed(20 + i)
            ours = sensitivity(lambda inputs, _: explain_flat(inputs.reshape(len(inputs), -1)),
                               x[i:i + 1].transpose(0, 2, 1), y[i:i + 1],
                               explain_flat(x[i:i + 1].reshape(1, -1)), draws,
                               lambda s: np.random.uniform(-radius, radius, s))[column]
            np.random.seed(20 + i)
            theirs = metric(nr_samples=draws, lower_bound=radius, normalise=True,
                            disable_warnings=True)(
                model=model, x_batch=x[i:i + 1], y_batch=y[i:i + 1],
                a_batch=theirs_explain(None, x[i:i + 1], None), explain_func=theirs_explain,
                device="cpu", channel_first=True)
            assert ours[0] > 0.01
            np.testing.assert_allclose(ours, theirs, rtol=1e-5)
