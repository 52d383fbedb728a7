"""Deletion and insertion curves against a plain per-sample loop and known orderings."""

import numpy as np
import pytest

from conftest import linear_softmax
from numeric import REORDERED, assert_close
from vxai.metrics.curves import area, blurred, curve_points, deletion_insertion

pytestmark = pytest.mark.numeric


def reference(predict, x, maps, classes, step, start):
    n_features = maps[0].size
    points = curve_points(n_features, step)
    deletion, insertion = [], []
    for xi, mi, c, si in zip(x, maps, classes, start):
        order = np.argsort(-mi.ravel(), kind="stable")
        d_row, i_row = [], []
        for k in points:
            keep = np.ones(n_features, bool)
            keep[order[:k]] = False
            mask = keep.reshape(mi.shape)[..., None]
            d_row.append(predict((xi * mask)[None])[0, c])
            i_row.append(predict(np.where(mask, si, xi)[None])[0, c])
        deletion.append(d_row)
        insertion.append(i_row)
    return np.array(deletion), np.array(insertion)


@pytest.mark.parametrize("shape, channels, step", [((10,), 1, 0.1), ((4, 5), 3, 0.25), ((7,), 1, 0.3)])
def test_batched_curves_equal_the_per_sample_definition(shape, channels, step):
    rng = np.random.default_rng(0)
    n_features = int(np.prod(shape))
    predict = linear_softmax(rng.normal(size=(n_features * channels, 3)))
    x = rng.normal(size=(5, *shape, channels)).astype(np.float32)
    maps = rng.normal(size=(5, *shape))
    maps[0] = 0  # ties keep positional order
    start = np.zeros_like(x) if len(shape) == 1 else blurred(x, 1.0)
    classes = predict(x).argmax(axis=1)
    deletion, insertion, fractions = deletion_insertion(predict, x, maps, classes, step, start, 4)
    want_d, want_i = reference(predict, x, maps, classes, step, start)
    # batched against one-at-a-time float64 NumPy: measured 3.3e-16; float32 would also pass
    assert_close(deletion, want_d, REORDERED, "deletion curves")
    assert_close(insertion, want_i, REORDERED, "insertion curves")
    assert fractions[0] == 0 and fractions[-1] == 1
    assert_close(insertion[:, -1], predict(x)[np.arange(5), classes], REORDERED, "insertion end")


def test_the_true_contributions_beat_their_reverse():
    rng = np.random.default_rng(1)
    weights = np.zeros((20, 2))
    weights[:, 0] = rng.uniform(0.1, 1.0, 20)  # class 0 grows with every (positive) feature
    predict = linear_softmax(weights)
    x = rng.uniform(0.5, 1.0, size=(6, 20, 1))
    contributions = x[..., 0] * weights[:, 0]
    classes = np.zeros(6, int)
    start = np.zeros_like(x)
    good_d, good_i, f = deletion_insertion(predict, x, contributions, classes, 0.1, start)
    bad_d, bad_i, _ = deletion_insertion(predict, x, -contributions, classes, 0.1, start)
    assert (area(good_d, f) < area(bad_d, f)).all()
    assert (area(good_i, f) > area(bad_i, f)).all()


def test_curve_points_cover_zero_to_all_features():
    assert curve_points(40, 0.05).tolist() == list(range(0, 41, 2))
    assert curve_points(3, 0.5).tolist() == [0, 2, 3]


def test_only_the_points_between_the_ends_are_predicted_per_map():
    rng = np.random.default_rng(2)
    model = linear_softmax(rng.normal(size=(10, 3)))
    seen = []

    def predict(batch):
        seen.append(len(batch))
        return model(batch)

    x = rng.normal(size=(4, 10, 1)).astype(np.float32)
    probs = model(x)
    classes = probs.argmax(axis=1)
    deletion, insertion, _ = deletion_insertion(predict, x, rng.normal(size=(4, 10)), classes,
                                                0.25, np.zeros_like(x), probs=probs)
    assert sum(seen) == 4 * 3 * 2 + 4 + 1  # 3 inner points x 2 curves, the starts, one blank
    # the ends are the given probabilities and one blank input: measured equal
    assert_close(deletion[:, 0], probs[np.arange(4), classes], REORDERED, "deletion start")
    assert_close(deletion[:, -1], model(np.zeros((1, 10, 1)))[0, classes], REORDERED,
                 "deletion end")
