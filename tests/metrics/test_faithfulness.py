"""Drop% / Increase% against hand-made cases and a plain per-sample loop of the definition."""

import math

import numpy as np
import pandas as pd
import pytest

from conftest import linear_softmax
from numeric import REORDERED, assert_close
from vxai.metrics.faithfulness import drop_increase, keep_mask
from vxai.statistics.overall import summarize

pytestmark = pytest.mark.numeric


def reference(predict, x, maps, classes, k):
    """The assignment's definition, one sample at a time."""
    rows = []
    for xi, mi, c in zip(x, maps, classes):
        flat = mi.ravel()
        m = math.floor(k * flat.size)
        keep = np.ones(flat.size, bool) if m >= flat.size else flat > sorted(flat, reverse=True)[m]
        masked = xi * keep.reshape(mi.shape)[..., None]
        y, o = predict(xi[None])[0, c], predict(masked[None])[0, c]
        rows.append((y, o, max(0.0, y - o) / y, int(o > y)))
    return np.array(rows)


def test_threshold_is_the_m_plus_first_largest_and_ties_keep_fewer():
    maps = np.array([[5, 4, 3, 2, 1, 0, 0, 0, 0, 0.0]])
    assert keep_mask(maps, 0.3).sum() == 3  # m = 3, threshold = 4th largest = 2
    assert keep_mask(maps, 0.29).sum() == 2  # m = floor(2.9) = 2
    flat = np.array([[1, 1, 1, 0, 0, 0, 0, 0, 0, 0.0]])
    assert keep_mask(flat, 0.2).sum() == 0  # threshold 1 ties the top: nothing is strictly above
    assert keep_mask(np.zeros((1, 10)), 0.5).sum() == 0  # all-zero map keeps nothing
    assert keep_mask(maps, 1.0).all()  # m = n: no threshold, everything kept


def test_o_equal_to_y_gives_no_drop_and_no_increase():
    def predict(x):
        return np.tile([0.25, 0.75], (len(x), 1))

    x = np.ones((3, 4, 1), np.float32)
    table = drop_increase(predict, x, np.random.rand(3, 4), np.array([1, 1, 1]), 0.5)
    assert (table["drop"] == 0).all() and (table["increase"] == 0).all()


@pytest.mark.parametrize("shape, channels, k", [((40,), 1, 0.3), ((6, 7), 3, 0.9), ((5, 5), 1, 0.5)])
def test_batched_result_equals_per_sample_definition(shape, channels, k):
    rng = np.random.default_rng(0)
    n, features = 23, int(np.prod(shape)) * channels
    predict = linear_softmax(rng.normal(size=(features, 4)))
    x = rng.normal(size=(n, *shape, channels)).astype(np.float32)
    maps = rng.normal(size=(n, *shape)).astype(np.float32)
    maps[0] = 0.0  # an all-zero map
    maps[1].flat[: features // channels // 2] = maps[1].max()  # a large tie
    classes = predict(x).argmax(axis=1)
    table = drop_increase(predict, x, maps, classes, k, batch_size=5)
    expected = reference(predict, x, maps, classes, k)
    known = drop_increase(predict, x, maps, classes, k, batch_size=5, probs=predict(x))
    # the same float64 NumPy arithmetic in batches of 5 and of one: measured equal
    assert_close(known[["Y", "O", "drop"]], table[["Y", "O", "drop"]], REORDERED,
                 "given probabilities against computed ones")
    assert_close(table[["Y", "O", "drop", "increase"]].to_numpy(), expected, REORDERED,
                 "batched against the per-sample definition")


def test_summary_percentages_and_interval():
    scores = pd.DataFrame({"drop": [0.0, 0.5, 1.0, 0.5], "increase": [1, 0, 0, 0],
                           "drop_exact": [0.0] * 4, "increase_exact": [1] * 4,
                           "drop_soft": [1.0] * 4, "increase_soft": [0] * 4,
                           "kept_fraction": [0.3] * 4})
    row = summarize(scores, seed=1)
    # pytest.approx's default: means of four exact values in float64
    assert row["drop_pct"] == pytest.approx(50.0) and row["increase_pct"] == pytest.approx(25.0)
    assert row["drop_pct_lo"] <= 50.0 <= row["drop_pct_hi"]
    assert row["mean_kept_fraction"] == pytest.approx(0.3)
    assert row["drop_exact_pct"] == 0.0 and row["increase_exact_pct"] == 100.0
    assert row["drop_soft_pct"] == 100.0 and row["drop_soft_pct_lo"] == 100.0


def test_tie_exact_variant_keeps_exactly_m_features_and_breaks_ties_by_seed():
    from vxai.metrics.faithfulness import keep_mask_exact

    flat = np.array([[1, 1, 1, 1, 0, 0, 0, 0, 0, 0.0]])
    a = keep_mask_exact(flat, 0.2, np.random.default_rng(0))
    assert a.sum() == 2 and a[0, :4].sum() == 2  # two of the four tied maxima
    picks = {tuple(np.flatnonzero(keep_mask_exact(flat, 0.2, np.random.default_rng(s))[0]))
             for s in range(20)}
    assert len(picks) > 1  # the seed decides which tied features are kept
    ranked = np.array([[5, 4, 3, 2, 1, 0.0]])
    np.testing.assert_array_equal(keep_mask_exact(ranked, 0.5, np.random.default_rng(1))[0],
                                  [True, True, True, False, False, False])


def test_tie_exact_variant_is_scored_again_only_where_ties_change_the_kept_features():
    from vxai.metrics.faithfulness import keep_mask_exact

    rng = np.random.default_rng(3)
    linear = linear_softmax(rng.normal(size=(10, 3)))
    scored = []

    def predict(batch):
        scored.append(len(batch))
        return linear(batch)

    x = rng.normal(size=(6, 10, 1)).astype(np.float32)
    maps = rng.normal(size=(6, 10)).astype(np.float32)
    maps[[1, 4], :5] = 7.0  # two maps whose top five tie: m = 3 keeps three of them
    classes = linear(x).argmax(axis=1)
    table = drop_increase(predict, x, maps, classes, 0.3, batch_size=6, probs=linear(x))
    assert scored == [6, 2, 6]  # masked, tie-exact for the two tied maps, soft
    exact = keep_mask_exact(maps, 0.3, np.random.default_rng(0))
    expected = linear(x * exact[..., None])[np.arange(6), classes]
    np.testing.assert_allclose(table["O_exact"], expected, rtol=1e-6)
    untied = [0, 2, 3, 5]
    np.testing.assert_array_equal(table["O_exact"][untied], table["O"][untied])


@pytest.mark.parametrize("channels", [1, 3])
def test_soft_variant_multiplies_by_the_normalized_map(channels):
    rng = np.random.default_rng(2)
    predict = linear_softmax(rng.normal(size=(8 * channels, 3)))
    x = rng.normal(size=(4, 8, channels)).astype(np.float32)
    maps = rng.normal(size=(4, 8))
    classes = predict(x).argmax(axis=1)
    table = drop_increase(predict, x, maps, classes, 0.5)
    for i in range(4):
        weights = (maps[i] - maps[i].min()) / (maps[i].max() - maps[i].min())
        o = predict((x[i] * weights[:, None])[None])[0, classes[i]]
        y = predict(x[i][None])[0, classes[i]]
        # float32 map weights against float64 ones: measured 1.8e-7
        assert_close(table["O_soft"][i], o, REORDERED, f"soft O, sample {i}")
        assert_close(table["drop_soft"][i], max(0, y - o) / y, REORDERED, f"soft drop, sample {i}")
        assert table["increase_soft"][i] == int(o > y)


def test_method_comparison_counts_lower_drops():
    from vxai.statistics.overall import compare_methods

    labels = ["a", "a", "b", "b"]
    ids = ["s0", "s1", "s2", "s3"]
    tables = {"m1": pd.DataFrame({"id": ids, "drop": [0.1, 0.5, 0.2, 0.3], "label_name": labels}),
              "m2": pd.DataFrame({"id": ids, "drop": [0.2, 0.4, 0.2, 0.9], "label_name": labels}),
              # a method explained on a subset: compared on the samples both explain
              "m3": pd.DataFrame({"id": ["s1", "s3"], "drop": [0.0, 0.0], "label_name": ["a", "b"]})}
    table = compare_methods(tables).set_index(["subset", "method_a", "method_b"])
    assert table.loc[("all", "m1", "m2"), "a_lower"] == pytest.approx(0.5)  # exact fractions
    assert table.loc[("all", "m2", "m1"), "a_lower"] == pytest.approx(0.25)
    assert table.loc[("all", "m1", "m2"), "tie"] == pytest.approx(0.25)
    assert table.loc[("class b", "m1", "m2"), "a_lower"] == pytest.approx(0.5)
    assert table.loc[("class a", "m2", "m1"), "n"] == 2
    assert table.loc[("all", "m3", "m1"), "n"] == 2
    assert table.loc[("all", "m3", "m1"), "a_lower"] == pytest.approx(1.0)
    assert table.loc[("class a", "m1", "m3"), "n"] == 1


@pytest.mark.parametrize("shape, channels", [((40,), 1), ((6, 7), 3)])
def test_the_blurred_baseline_is_the_definition_with_blurred_values(shape, channels):
    """Per sample: the features not kept take the blurred input's values; a constant input
    blurs to itself, so nothing drops; and it equals the per-sample definition on random data."""
    from types import SimpleNamespace

    from scipy.ndimage import gaussian_filter

    from vxai.metrics.blur_baseline import score, summary

    rng = np.random.default_rng(3)
    n, features = 9, int(np.prod(shape)) * channels
    predict = linear_softmax(rng.normal(size=(features, 3)))
    x = rng.normal(size=(n, *shape, channels)).astype(np.float32)
    maps = rng.normal(size=(n, *shape)).astype(np.float32)

    def job(inputs):
        probs = predict(inputs)
        return SimpleNamespace(x=inputs, maps={"maps": maps}, keep_fraction=0.3, batch_size=4,
                               predict=predict, probs=probs, classes=probs.argmax(axis=1))

    table = pd.DataFrame(index=range(n))
    score(job(x), {"sigma": 1.5}, table)
    classes = predict(x).argmax(axis=1)
    for i in range(n):
        keep = keep_mask(maps[i : i + 1], 0.3)[0][..., None]
        blurred = gaussian_filter(x[i], sigma=(1.5,) * len(shape) + (0,))
        y, o = predict(x[i : i + 1])[0, classes[i]], predict(np.where(keep, x[i], blurred)[None])[0, classes[i]]
        assert_close(table["drop_blur"][i], max(0.0, y - o) / y, REORDERED, f"blur drop, sample {i}")
        assert table["increase_blur"][i] == int(o > y)
    flat = np.ones_like(x)
    constant = pd.DataFrame(index=range(n))
    score(job(flat), {"sigma": 1.5}, constant)
    assert (constant["drop_blur"] < 1e-6).all()
    row = summary(table, seed=0)
    assert_close(row["drop_blur_pct"], 100 * table["drop_blur"].mean(), REORDERED, "blur Drop%")
    assert row["drop_blur_pct_lo"] <= row["drop_blur_pct"] <= row["drop_blur_pct_hi"]
