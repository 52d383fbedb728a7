"""Grad-CAM: equals CAM on a GAP model, batch equals per-sample, clear errors for bad layers."""

import keras
import numpy as np
import pytest

from numeric import REORDERED, assert_close
from vxai.errors import UserError
from vxai.methods import get_method, method_names
from vxai.methods.base import upsample


def gap_model(rank, seed=0):
    keras.utils.set_random_seed(seed)
    conv = keras.layers.Conv1D if rank == 1 else keras.layers.Conv2D
    gap = keras.layers.GlobalAveragePooling1D if rank == 1 else keras.layers.GlobalAveragePooling2D
    shape = (32, 2) if rank == 1 else (16, 16, 3)
    inputs = keras.Input(shape)
    x = conv(6, 3, padding="same", activation="relu")(inputs)
    x = conv(5, 3, strides=2, padding="same", activation="relu", name="features")(x)
    x = gap()(x)
    outputs = keras.layers.Dense(4, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs)


@pytest.mark.numeric
@pytest.mark.parametrize("rank", [1, 2])
def test_gradcam_equals_cam_up_to_a_positive_factor(rank):
    model = gap_model(rank)
    rng = np.random.default_rng(rank)
    x = rng.normal(size=(6, *model.input_shape[1:])).astype(np.float32)
    targets = np.array([0, 1, 2, 3, 0, 1])
    maps = get_method("gradcam")(model, batch_size=4).explain(x, targets).maps
    features = keras.Model(model.inputs, model.get_layer("features").output)(x).numpy()
    weights = model.get_layer("head").get_weights()[0]  # (channels, classes)
    cam = np.einsum("n...k,kn->n...", features, weights[:, targets])
    expected = upsample(np.maximum(cam, 0), model.input_shape[1:-1]).numpy()
    assert maps.shape == (6, *model.input_shape[1:-1])
    for i, (got, want) in enumerate(zip(maps, expected)):
        scale = want.max() / got.max()
        assert scale > 0
        assert_close(got * scale, want, REORDERED, f"CAM, sample {i}")  # measured 5.8e-7


@pytest.mark.numeric
def test_batch_equals_per_sample_and_default_target_is_the_prediction():
    model = gap_model(2, seed=3)
    x = np.random.default_rng(0).normal(size=(5, 16, 16, 3)).astype(np.float32)
    explainer = get_method("gradcam")(model, batch_size=5)
    batch = explainer.explain(x)
    np.testing.assert_array_equal(batch.targets, model.predict(x, verbose=0).argmax(axis=1))
    single = np.concatenate([explainer.explain(x[i : i + 1]).maps for i in range(5)])
    assert_close(batch.maps, single, REORDERED, "batch against per-sample")  # 3.7e-7 (AVX2)
    assert np.isfinite(batch.maps).all() and batch.maps.dtype == np.float32


def test_unknown_layer_lists_the_layers_that_would_do():
    with pytest.raises(UserError, match="choose one of: .*features"):
        get_method("gradcam")(gap_model(1), layer="dense_typo")


def test_unknown_method_lists_the_known_ones():
    with pytest.raises(UserError, match="known methods: .*gradcam"):
        get_method("gradcamm")
    assert "gradcam" in method_names()


@pytest.mark.numeric
def test_the_course_conventions_probability_score_and_cubic_upsampling():
    """score="probability": on a GAP head the weights are p_c (w_kc - sum_j p_j w_kj) / HW,
    the gradient of the softmax output; upsample="cubic": scipy's cubic spline of the ReLU'd
    map, divided by its maximum, values not clipped."""
    from scipy.ndimage import zoom

    model = gap_model(2, seed=1)
    x = np.random.default_rng(4).normal(size=(3, 16, 16, 3)).astype(np.float32)
    targets = np.array([0, 2, 3])
    features = keras.Model(model.inputs, model.get_layer("features").output)(x).numpy()
    weights = model.get_layer("head").get_weights()[0]
    probs = model.predict(x, verbose=0)
    for i, target in enumerate(targets):
        w = probs[i, target] * (weights[:, target] - weights @ probs[i])
        cam = np.maximum((features[i] * w).sum(axis=-1), 0)
        for upsample_method in ("bilinear", "cubic"):
            got = get_method("gradcam")(model, score="probability", upsample=upsample_method
                                        ).explain(x[i : i + 1], targets[i : i + 1]).maps[0]
            if upsample_method == "cubic":
                want = zoom(cam, 2, order=3)
                want /= want.max()
                assert got.min() < 0  # the spline rings below zero and is not clipped
            else:
                want = upsample(cam[None], (16, 16)).numpy()[0]
                want /= want.max()
                got = got / got.max()
            # float32 gradients of the softmax: measured 2.4e-7
            assert_close(got, want, REORDERED, f"{upsample_method}, sample {i}")
