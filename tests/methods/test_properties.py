"""Properties only a correct implementation has, for the CAM and backpropagation methods."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import shared
from numeric import REORDERED, assert_below, assert_close
from vxai.errors import UserError
from small_models import FAST, ready, sample, small_cnn
from vxai.methods import get_method, method_names
from vxai.methods.base import upsample

pytestmark = pytest.mark.numeric

@pytest.mark.parametrize("method", method_names())
@pytest.mark.parametrize("rank", [1, 2])
def test_batch_equals_per_sample_finite_and_seeded(method, rank):
    model = small_cnn(rank)
    x = sample(model, 5)
    explainer = ready(method, model, batch_size=3, seed=4, **FAST.get(method, {}))
    batch = explainer.explain(x)
    assert batch.maps.shape == (5, *model.input_shape[1:-1]) and batch.maps.dtype == np.float32
    assert np.isfinite(batch.maps).all()
    single = np.concatenate([explainer.explain(x[i : i + 1], batch.targets[i : i + 1]).maps
                             for i in range(5)])
    # batches of 3 against 1: measured at most 2.0e-6 (Ablation-CAM, AVX2 kernels)
    assert_close(single, batch.maps, REORDERED, "per-sample against batch")
    again = ready(method, model, batch_size=3, seed=4, **FAST.get(method, {})).explain(x)
    np.testing.assert_array_equal(batch.maps, again.maps)


def test_an_unknown_parameter_stops_naming_the_accepted_ones():
    with pytest.raises(UserError, match=r"'gradcam' has no parameter\(s\) layr; it accepts: "
                                        r"score, layer, upsample, batch_size, seed$"):
        get_method("gradcam")(small_cnn(2), layr="last_conv")
    assert get_method("rise").parameters()[-2:] == ["batch_size", "seed"]


def test_explained_class_is_an_argument():
    model = small_cnn(1)
    x = sample(model, 2)
    explainer = get_method("gradient_x_input")(model)
    assert not np.allclose(explainer.explain(x, [0, 0]).maps, explainer.explain(x, [1, 1]).maps)


def test_smoothgrad_depends_on_the_seed():
    model = small_cnn(1)
    x = sample(model, 2)
    a = get_method("smoothgrad")(model, samples=4, seed=1).explain(x).maps
    b = get_method("smoothgrad")(model, samples=4, seed=2).explain(x).maps
    assert not np.allclose(a, b)


def project_models():
    from vxai.models.architectures import mnist1d_cnn
    from vxai.models.loading import load_model

    keras.utils.set_random_seed(7)
    yield "mnist1d", mnist1d_cnn(), np.random.default_rng(0).normal(size=(3, 40, 1))
    yield "hmt", load_model(shared("models", "HMT.h5")), np.random.default_rng(0).uniform(
        size=(2, 224, 224, 3))


@pytest.mark.parametrize("which", ["mnist1d", "hmt"])
def test_integrated_gradients_completeness_within_one_percent(which):
    name, model, x = next((n, m, x) for n, m, x in project_models() if n == which)
    result = get_method("integrated_gradients")(model, steps=256, batch_size=64).explain(
        x.astype(np.float32))
    relative = result.extras["completeness_error"] / np.abs(result.extras["score_difference"])
    # the trapezoid's error at 256 steps, not rounding: measured 0.20 % (MNIST-1D), 0.017 % (HMT)
    assert_below(relative.max(), 0.01, "completeness error over the score difference")
    # the stored error is the gap between the map's sum and S(x) - S(baseline)
    gap = np.abs(result.maps.reshape(len(x), -1).sum(axis=1) - result.extras["score_difference"])
    # the same float32 sum, here and in the method: measured equal
    assert_close(gap, result.extras["completeness_error"], REORDERED, "stored completeness error",
                 scale=np.abs(result.extras["score_difference"]).max())


@pytest.mark.parametrize("rank, head", [(1, "flatten"), (2, "flatten"), (2, "gap")])
def test_lrp_epsilon_conserves_relevance_on_a_bias_free_model(rank, head):
    model = small_cnn(rank, use_bias=False, head=head)
    x = sample(model, 4)
    targets = np.array([0, 1, 2, 3])
    maps = get_method("lrp")(model, epsilon=1e-9, conv_rule="epsilon").explain(x, targets).maps
    head_layer = model.get_layer("head")
    features = keras.Model(model.input, head_layer.input)(x).numpy()
    logits = features @ head_layer.get_weights()[0]
    expected = logits[np.arange(4), targets]
    # float32 relevance sums against the logit: measured 5.2e-7 of the largest logit
    assert_close(maps.reshape(4, -1).sum(axis=1), expected, REORDERED, "relevance against the logit")


def test_lrp_zplus_keeps_relevance_positive_above_the_first_layer():
    model = small_cnn(2, use_bias=False)
    x = np.abs(sample(model, 3))
    lrp = get_method("lrp")(model, conv_rule="zplus")
    assert np.isfinite(lrp.explain(x).maps).all()
    with pytest.raises(UserError, match="alpha - beta = 1"):
        get_method("lrp")(model, conv_rule="alpha_beta", alpha=2.0, beta=0.5)


def test_lrp_names_an_unsupported_layer():
    inputs = keras.Input((8, 1))
    x = keras.layers.Conv1D(2, 3)(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    with pytest.raises(UserError, match="no rule for layer 'bn'"):
        get_method("lrp")(keras.Model(inputs, outputs))


def _activations_and_gradients(model, x, targets):
    graph = keras.Model(model.input, [model.get_layer("last_conv").output,
                                      model.get_layer("head").input])
    kernel, bias = model.get_layer("head").get_weights()
    with tf.GradientTape() as tape:
        acts, feats = graph(x)
        logits = tf.matmul(feats, kernel) + bias
        score = tf.gather(logits, targets, batch_dims=1)
    return acts.numpy(), tape.gradient(score, acts).numpy()


@pytest.mark.parametrize("rank", [1, 2])
def test_gradcam_pp_matches_the_papers_closed_form(rank):
    model = small_cnn(rank, pool="none")
    x = sample(model, 3)
    targets = np.array([1, 2, 3])
    acts, grads = _activations_and_gradients(model, x, targets)
    maps = []
    for a, g in zip(acts, grads):  # equation (19) of Chattopadhyay et al., one sample at a time
        denominator = 2 * g**2 + a.sum(axis=tuple(range(a.ndim - 1)), keepdims=True) * g**3
        alpha = np.divide(g**2, denominator, out=np.zeros_like(g), where=denominator != 0)
        weights = (alpha * np.maximum(g, 0)).sum(axis=tuple(range(a.ndim - 1)))
        maps.append(np.maximum((weights * a).sum(axis=-1), 0))
    ours = get_method("gradcam_pp")(model, layer="last_conv").layer_maps(x, targets)
    assert_close(ours, np.stack(maps), REORDERED, "Grad-CAM++ against equation (19)")  # 9.3e-8


@pytest.mark.parametrize("rank", [1, 2])
def test_ablationcam_weights_on_a_gap_model_have_a_closed_form(rank):
    """With GAP -> Dense, zeroing channel k lowers the logit by w_ck * mean(A_k)."""
    model = small_cnn(rank, head="gap")
    x = sample(model, 3)
    targets = np.array([0, 2, 3])
    acts = keras.Model(model.input, model.get_layer("last_conv").output)(x).numpy()
    kernel, bias = model.get_layer("head").get_weights()
    means = acts.mean(axis=tuple(range(1, acts.ndim - 1)))
    logits = means @ kernel + bias
    y = logits[np.arange(3), targets]
    weights = kernel[:, targets].T * means / y[:, None]
    expected = np.maximum(np.einsum("n...k,nk->n...", acts, weights), 0)
    ours = get_method("ablationcam")(model, batch_size=2).explain(x, targets).maps
    # Keras convolutions against NumPy means: measured 2.5e-6 (AVX2 kernels)
    assert_close(ours, upsample(expected, model.input_shape[1:-1]).numpy(), REORDERED,
                 "Ablation-CAM against the closed form")


def test_non_finite_maps_fail_naming_the_method_and_samples():
    model = small_cnn(1)
    head = model.get_layer("head")
    kernel, bias = head.get_weights()
    kernel[:, 0] = np.nan
    head.set_weights([kernel, bias])
    x = sample(model, 3)
    with pytest.raises(UserError, match=r"'gradient_x_input' produced NaN.*\['s0', 's1', 's2'\]"):
        get_method("gradient_x_input")(model).explain(x, [0, 0, 0], ids=["s0", "s1", "s2"])


def test_data_that_does_not_fit_the_model_is_reported():
    from vxai.data.inputs import model_inputs

    with pytest.raises(UserError, match=r"does not fit the model input \(40, 1\)"):
        model_inputs(np.zeros((2, 30)), (None, 40, 1))


@pytest.mark.parametrize("method", ["gradcam", "lrp", "integrated_gradients"])
def test_sequential_models_work_like_functional_ones(method):
    functional = small_cnn(2)
    sequential = keras.Sequential([keras.Input(functional.input_shape[1:]), *functional.layers[1:]])
    x = sample(functional, 2)
    a = get_method(method)(functional, **FAST.get(method, {})).explain(x).maps
    b = get_method(method)(sequential, **FAST.get(method, {})).explain(x).maps
    assert_close(b, a, REORDERED, "Sequential against functional")  # measured equal


@pytest.mark.parametrize("rank, head", [(1, "flatten"), (2, "gap")])
def test_cam_splits_the_logit_over_positions(rank, head):
    """Before upsampling, the CAM map summed over positions plus the bias is the logit."""
    model = small_cnn(rank, head=head)
    x = sample(model, 4)
    explainer = get_method("cam")(model, layer="last_conv")
    targets = np.array([0, 1, 2, 3])
    layer_maps = explainer.layer_maps(x, targets)
    weights, bias = model.get_layer("head").get_weights()
    logits = keras.Model(model.input, model.get_layer("head").input)(x).numpy() @ weights + bias
    totals = layer_maps.reshape(4, -1).sum(axis=1) + bias[targets]
    # float32 sums over at most 120 terms: measured 1.2e-7
    assert_close(totals, logits[np.arange(4), targets], REORDERED, "map sum + bias vs logit")
    assert (layer_maps < 0).any()  # no ReLU: negative evidence stays


def test_cam_refuses_a_head_that_is_not_linear():
    model = small_cnn(2, pool="none")  # conv -> conv "last_conv" -> flatten -> dense
    first = model.layers[1].name  # the first convolution: a ReLU convolution follows it
    with pytest.raises(UserError, match=rf"cam: layer 'last_conv' \(Conv2D\) after the target "
                                        rf"layer '{first}' .* is not linear"):
        get_method("cam")(model, layer=first)


def dense_relu_cnn(rank, use_bias=True):
    """conv (ReLU) -> max pooling -> flatten -> Dense (ReLU) -> Dense softmax."""
    keras.utils.set_random_seed(2)
    conv = keras.layers.Conv1D if rank == 1 else keras.layers.Conv2D
    pool = keras.layers.MaxPooling1D if rank == 1 else keras.layers.MaxPooling2D
    inputs = keras.Input((24, 1) if rank == 1 else (12, 12, 3))
    bias_init = keras.initializers.RandomUniform(-0.3, 0.3)
    x = conv(5, 3, padding="same", activation="relu", use_bias=use_bias,
             bias_initializer=bias_init)(inputs)
    x = keras.layers.Flatten()(pool(2)(x))
    x = keras.layers.Dense(8, activation="relu", use_bias=use_bias, bias_initializer=bias_init)(x)
    outputs = keras.layers.Dense(4, activation="softmax", use_bias=use_bias,
                                 bias_initializer=bias_init)(x)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize("rank", [1, 2])
def test_fullgrad_parts_add_up_to_the_logit(rank):
    """Completeness of the full-gradient representation on ReLU networks: input part plus
    every bias part (convolutions and Dense layers) equals the logit."""
    for model in (small_cnn(rank), dense_relu_cnn(rank)):
        x = sample(model, 5)
        result = get_method("fullgrad")(model, batch_size=3).explain(x)
        weights, bias = model.layers[-1].get_weights()
        logits = keras.Model(model.input, model.layers[-1].input)(x).numpy() @ weights + bias
        scale = np.abs(logits).max()
        # float32 sums of a few hundred products: measured 3.7e-7 of the largest logit
        assert_below(result.extras["completeness_error"].max() / scale, REORDERED,
                     f"completeness, {model.name}")
        peaks = result.maps.max(axis=tuple(range(1, rank + 1)))
        assert result.maps.min() >= 0 and np.allclose(peaks, 1, atol=1e-5)


def test_fullgrad_without_biases_is_normalized_gradient_times_input():
    model = dense_relu_cnn(1, use_bias=False)
    x = sample(model, 4)
    fullgrad = get_method("fullgrad")(model).explain(x)
    product = np.abs(get_method("gradient_x_input")(model).explain(x, fullgrad.targets).maps)
    low = product.min(axis=1, keepdims=True)
    expected = (product - low) / (product - low).max(axis=1, keepdims=True)
    # two normalizations with a 1e-7 epsilon, as pytorch-grad-cam's: measured 1.2e-7
    assert_close(fullgrad.maps, expected, REORDERED, "bias-free FullGrad vs |gradient x input|")


def test_fullgrad_refuses_normalization_layers():
    inputs = keras.Input((12, 12, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x))
    with pytest.raises(UserError, match=r"fullgrad: layer 'bn' .* normalizes"):
        get_method("fullgrad")(keras.Model(inputs, outputs))
