"""Complexity metrics (checked against Quantus 0.6) and what the metrics agree on."""

import numpy as np
import pandas as pd
import pytest

from vxai.metrics.agreement import (disagreement_sentence, kendall, metric_ranks,
                                    random_beats_most)
from vxai.metrics.complexity import complexity, sparseness


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
