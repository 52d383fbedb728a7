"""ROAD and random-logit, checked by their properties and against Quantus 0.6."""

import numpy as np
import pytest

from conftest import linear_softmax, shared
from vxai.metrics.random_logit import other_classes, random_logit, similarity
from vxai.metrics.road import linear_imputation, removed_count, road, road_area


def test_imputation_reproduces_a_linear_ramp_inside_a_hole():
    """A removed feature becomes the weighted mean of its neighbours; with symmetric weights
    that is exactly the value of a linear function wherever all neighbours are in bounds."""
    image = np.fromfunction(lambda r, c, k: 0.3 * r - 0.7 * c + k, (20, 20, 2))
    hole = np.zeros((20, 20), dtype=bool)
    hole[5:15, 4:12] = True
    np.testing.assert_allclose(linear_imputation(image, hole), image, atol=1e-12)
    signal = np.linspace(0, 3, 40)[:, None] * np.array([1.0, -2.0])
    gap = np.zeros(40, dtype=bool)
    gap[10:30] = True
    np.testing.assert_allclose(linear_imputation(signal, gap), signal, atol=1e-12)
    bumpy = image + np.sin(np.arange(20))[:, None, None]
    imputed = linear_imputation(bumpy, hole)
    assert np.abs(imputed - bumpy)[hole].max() > 0.1  # not a copy of the input
    np.testing.assert_array_equal(imputed[~hole], bumpy[~hole])  # kept features untouched
    assert removed_count(0.7, 1000) == 700 and removed_count(0.3, 784) == 235


def test_imputation_of_a_signal_is_linear_interpolation_between_the_kept_points():
    """With the two adjacent points weighted equally, the solution is the straight line
    between the nearest kept points, and the nearest kept value beyond either end."""
    rng = np.random.default_rng(12)
    for _ in range(20):
        signal, removed = rng.normal(size=(40, 2)), rng.random(40) < 0.6
        removed[rng.integers(0, 40)] = False  # at least one kept point
        where, kept = np.arange(40), ~removed
        expected = np.stack([np.interp(where, where[kept], signal[kept, c]) for c in range(2)],
                            axis=1)
        np.testing.assert_allclose(linear_imputation(signal, removed), expected, atol=1e-12)


def quantus_imputation(x, removed):
    """Quantus' noisy linear imputation without noise, on a channels-last image."""
    from quantus.functions.perturb_func import noisy_linear_imputation

    return noisy_linear_imputation(x.transpose(2, 0, 1), np.flatnonzero(removed.ravel()),
                                   noise=0.0).transpose(1, 2, 0)


def test_imputation_equals_quantus():
    pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    rng = np.random.default_rng(0)
    for shape, share in (((12, 12, 3), 0.6), ((9, 7, 1), 0.3), ((30, 30, 3), 0.9)):
        x, removed = rng.random(shape), rng.random(shape[:2]) < share
        np.testing.assert_allclose(linear_imputation(x, removed), quantus_imputation(x, removed),
                                   atol=1e-12)


@pytest.mark.realdata
def test_imputation_equals_quantus_on_hmt_tiles(real_hmt):
    """On four real tiles (150 x 150, three channels), with the most relevant 50 % of a
    smooth map removed: the blobs of a real map, not scattered pixels."""
    pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    from scipy.ndimage import gaussian_filter

    arrays, _ = real_hmt
    rng = np.random.default_rng(1)
    for index in np.linspace(0, len(arrays["x_test"]) - 1, 4).astype(int):
        tile = arrays["x_test"][index].astype(np.float64) / 255
        smooth = gaussian_filter(rng.random(tile.shape[:2]), 10)
        removed = smooth >= np.median(smooth)
        ours = linear_imputation(tile, removed)
        np.testing.assert_allclose(ours, quantus_imputation(tile, removed), atol=1e-10)
        assert 0 <= ours.min() and ours.max() <= 1  # a weighted mean stays within the range


def test_road_orders_maps_by_faithfulness_and_lerf_is_morf_of_the_negated_map():
    """On a linear softmax model the exact contribution map w * x removes the evidence first:
    its MoRF curve lies below a random map's and its LeRF curve above."""
    rng = np.random.default_rng(2)
    n, shape = 12, (10, 10, 1)
    weights = rng.normal(size=(100, 3))
    predict = linear_softmax(weights)
    x = rng.random((n, *shape))
    classes = predict(x).argmax(axis=1)
    exact = x[..., 0] * weights[:, classes].T.reshape(n, 10, 10)
    fractions = [0.1, 0.3, 0.5, 0.7, 0.9]
    morf, lerf = road(predict, x, exact, classes, fractions, 0.0, rng, batch_size=7)
    random_morf, random_lerf = road(predict, x, rng.random((n, 10, 10)), classes, fractions,
                                    0.0, rng)
    assert road_area(morf, fractions).mean() < road_area(random_morf, fractions).mean()
    assert road_area(lerf, fractions).mean() > road_area(random_lerf, fractions).mean()
    negated_morf, _ = road(predict, x, -exact, classes, fractions, 0.0, rng)
    np.testing.assert_allclose(lerf, negated_morf, atol=1e-12)
    assert road_area(np.ones((1, 5)), fractions)[0] == pytest.approx(1.0)


def test_road_noise_is_added_to_the_removed_features_only():
    rng = np.random.default_rng(3)
    x = rng.random((2, 40, 1)).astype(np.float32)
    maps = rng.random((2, 40))
    seen = []

    def predict(batch):
        seen.append(batch.copy())
        return np.ones((len(batch), 2)) / 2

    road(predict, x, maps, np.zeros(2, dtype=int), [0.5], 0.1, np.random.default_rng(4))
    road(predict, x, maps, np.zeros(2, dtype=int), [0.5], 0.0, np.random.default_rng(4))
    noisy, clean = seen
    difference = (noisy - clean)[..., 0]
    assert (difference != 0).sum() == 4 * 20  # 2 samples x 2 directions x 20 removed points
    assert np.std(difference[difference != 0]) == pytest.approx(0.1, rel=0.25)


def test_road_accuracy_equals_quantus_on_a_one_channel_image_model():
    """Quantus 0.6 ROAD records whether the prediction stays the class; our curve is the
    class's probability, so a model that outputs one-hot predictions turns it into the same
    accuracy. One channel: Quantus ranks its map broadcast over the channels, which only
    matches a per-pixel ranking when there is one."""
    quantus = pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    n, side = 16, 12
    weights = rng.normal(size=(side * side, 3)).astype(np.float32)
    x = rng.random((n, 1, side, side)).astype(np.float32)
    maps = rng.normal(size=(n, 1, side, side)) + x * weights[:, :1].reshape(1, 1, side, side)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(side * side, 3, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.from_numpy(weights.T))
    model.eval()
    y = (x.reshape(n, -1) @ weights).argmax(axis=1)

    def one_hot(batch):
        return np.eye(3)[(batch.reshape(len(batch), -1) @ weights).argmax(axis=1)]

    percentages = [10, 30, 50, 70, 90]
    morf, _ = road(one_hot, x.transpose(0, 2, 3, 1), maps[:, 0], y,
                   [p / 100 for p in percentages], 0.0, rng)
    theirs = quantus.ROAD(percentages=percentages, noise=0.0, disable_warnings=True)(
        model=model, x_batch=x, y_batch=y, a_batch=maps.copy(), device="cpu",
        channel_first=True)
    assert 0.2 < morf.mean() < 0.95  # the removals change some predictions, not all
    np.testing.assert_allclose(morf.mean(axis=0), [theirs[p] for p in percentages], atol=1e-12)


def test_other_classes_are_uniform_over_the_other_classes():
    rng = np.random.default_rng(6)
    classes = rng.integers(0, 5, size=20000)
    other = other_classes(rng, classes, 5)
    assert (other != classes).all() and other.min() == 0 and other.max() == 4
    counts = np.bincount(other[classes == 2], minlength=5)
    assert counts[2] == 0
    np.testing.assert_allclose(counts[[0, 1, 3, 4]] / counts.sum(), 0.25, atol=0.02)


def test_similarity_is_one_for_the_same_map_at_any_scale():
    rng = np.random.default_rng(7)
    images, signals = rng.normal(size=(3, 16, 16)), rng.normal(size=(3, 40))
    np.testing.assert_allclose(similarity(images, 4 * images), 1.0)
    np.testing.assert_allclose(similarity(signals, 0.5 * signals), 1.0)
    np.testing.assert_allclose(similarity(signals, -signals), -1.0)  # Spearman on signals
    assert (similarity(images, rng.normal(size=(3, 16, 16))) < 0.3).all()
    assert np.isnan(similarity(np.zeros((1, 40)), signals[:1])[0])  # no rank correlation
    zero = np.zeros((1, 16, 16))
    assert similarity(zero, zero)[0] == 1.0 and similarity(zero, images[:1])[0] < 0.1


def test_random_logit_is_high_for_a_map_that_ignores_the_class():
    rng = np.random.default_rng(8)
    x, weights = rng.random((6, 40, 1)), rng.normal(size=(40, 4))
    classes, other = np.zeros(6, dtype=int), np.ones(6, dtype=int)

    def input_only(inputs, targets):  # the same map whatever the class
        return inputs[..., 0] ** 2

    def contribution(inputs, targets):  # w_c * x: changes with the class
        return inputs[..., 0] * weights[:, targets].T

    assert np.allclose(random_logit(input_only, x, input_only(x, classes), other), 1.0)
    assert random_logit(contribution, x, contribution(x, classes), other).mean() < 0.5


def test_random_logit_equals_quantus_on_signals():
    """Quantus 0.6 RandomLogit with Spearman similarity on 1-channel signals and a two-class
    model, whose random other class can only be the other one."""
    quantus = pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    torch = pytest.importorskip("torch")
    from quantus.functions.similarity_func import correlation_spearman

    rng = np.random.default_rng(9)
    n, length = 5, 40
    weights = rng.normal(size=(length, 2))
    x = rng.normal(size=(n, 1, length)).astype(np.float32)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(length, 2)).eval()
    y = (x[:, 0] @ weights).argmax(axis=1)

    def explain(inputs, targets):  # channels-last signals in, (n, length) maps out
        flat = inputs.reshape(len(inputs), -1)
        return np.tanh(flat * weights[:, targets].T) + 0.1 * flat

    def theirs_explain(model, inputs, targets, **kwargs):
        return explain(np.asarray(inputs).reshape(len(inputs), -1), targets)[:, None]

    ours = random_logit(explain, x.transpose(0, 2, 1), explain(x[:, 0], y), 1 - y)
    theirs = [quantus.RandomLogit(num_classes=2, similarity_func=correlation_spearman,
                                  disable_warnings=True)(
        model=model, x_batch=x[i:i + 1], y_batch=y[i:i + 1],
        a_batch=theirs_explain(None, x[i:i + 1], y[i:i + 1]), explain_func=theirs_explain,
        device="cpu", channel_first=True)[0] for i in range(n)]
    assert np.ptp(ours) > 0.05
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


def test_random_logit_uses_two_dimensional_ssim_on_images():
    """Quantus' RandomLogit flattens the maps before its SSIM, which then slides a window
    along rows joined end to end; ours compares the maps as images. With the maps given as
    images, Quantus' `ssim` is ours."""
    pytest.importorskip("quantus", reason="Quantus 0.6 is installed by .ci/run")
    from quantus.functions.normalise_func import normalise_by_max
    from quantus.functions.similarity_func import ssim
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(10)
    a = gaussian_filter(rng.normal(size=(4, 32, 32)), (0, 3, 3))
    b = a + gaussian_filter(rng.normal(size=(4, 32, 32)), (0, 2, 2))
    theirs = [ssim(normalise_by_max(p), normalise_by_max(q)) for p, q in zip(a, b)]
    np.testing.assert_allclose(similarity(a, b), theirs, atol=1e-12)
    flattened = [ssim(normalise_by_max(p).ravel(), normalise_by_max(q).ravel())
                 for p, q in zip(a, b)]
    assert np.abs(np.array(flattened) - theirs).max() > 0.01  # the difference is real


@pytest.mark.realdata
def test_random_logit_of_gradcam_on_hmt_tiles(real_hmt):
    """Grad-CAM of the course model on four tiles: the maps of two tissue classes differ
    (SSIM well below 1; a class without positive evidence gets an all-zero map), while the
    random map, which ignores the class, scores exactly 1."""
    from vxai.data.inputs import model_inputs
    from vxai.methods import get_method
    from vxai.models.loading import load_model

    model = load_model(shared("models", "HMT.h5"))
    arrays, _ = real_hmt
    picks = np.linspace(0, len(arrays["x_test"]) - 1, 4).astype(int)
    x = model_inputs(arrays["x_test"][picks], model.input_shape)
    classes = model.predict(x, verbose=0).argmax(axis=1)
    other = other_classes(np.random.default_rng(11), classes, 8)
    from skimage.metrics import structural_similarity

    def peak(m):
        top = np.abs(m).max()
        return m / top if top > 0 else m

    for method in ("gradcam", "random_map"):
        explainer = get_method(method)(model, batch_size=8)

        def explain(inputs, targets):
            return explainer.explain(inputs, targets).maps

        own, theirs = explain(x, classes), explain(x, other)
        scores = random_logit(explain, x, own, other)
        if method == "random_map":
            np.testing.assert_array_equal(scores, 1.0)
            continue
        # SSIM of the two maps computed here, each divided by its peak, 7 x 7 window, the
        # pair's data range; the maps of two tissue classes differ
        expected = [structural_similarity(peak(a), peak(b), data_range=float(np.ptp(
            np.stack([peak(a), peak(b)])))) for a, b in zip(own, theirs)]
        np.testing.assert_allclose(scores, expected, rtol=1e-5)  # float32 maps
        assert scores.mean() < 0.8, scores
