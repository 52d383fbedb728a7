"""Backpropagation-based attributions from gradients of the class logit: Saliency,
Gradient x Input, Integrated Gradients, SmoothGrad and FullGrad."""

import keras
import numpy as np
import tensorflow as tf

from vxai.errors import UserError
from vxai.methods.base import Explainer, target_gradients, upsample
from vxai.methods.registry import register
from vxai.models.graph import logits_tensor


class GradientExplainer(Explainer):
    """Gradients of the target class logit with respect to the input, in compiled batches."""

    def __init__(self, model, **kwargs):
        super().__init__(model, **kwargs)
        self.logits = keras.Model(self.model.input, logits_tensor(self.model))
        self._gradients = tf.function(self._compute_gradients, reduce_retracing=True)

    def _compute_gradients(self, x, targets):
        _, score, grads = target_gradients(
            lambda batch: (batch, self.logits(batch, training=False)), x, targets)
        return grads, score

    def gradients(self, x, targets):
        """(dS_c/dx, S_c) as NumPy arrays for float32 inputs and integer targets."""
        grads, score = self._gradients(tf.constant(x, tf.float32), tf.constant(targets, tf.int32))
        return grads.numpy(), score.numpy()


@register(
    "saliency",
    family="backprop",
    display="Saliency",
    gap="The first input-resolution map of what a class score is sensitive to.",
    how=(
        "The absolute gradient of the class logit with respect to the input, maximum over "
        "channels."
    ),
    reference="simonyan2014saliency",
)
class Saliency(GradientExplainer):
    """Vanilla gradient (Simonyan et al. 2014): max over channels of |dS_c/dx|."""

    def explain_batch(self, x, targets):
        return np.abs(self.gradients(x, targets)[0]).max(axis=-1), {}


@register(
    "gradient_x_input",
    family="backprop",
    display="Gradient x Input",
    gap=(
        "Gradients alone ignore the input's own magnitude; multiplying by it gives a first-"
        "order contribution."
    ),
    how="Input times the gradient of the class logit, summed over channels.",
    reference="shrikumar2016gradinput",
)
class GradientXInput(GradientExplainer):
    """Gradient x Input (Shrikumar et al. 2016): sum over channels of x * dS_c/dx."""

    def explain_batch(self, x, targets):
        return (x * self.gradients(x, targets)[0]).sum(axis=-1), {}


@register(
    "integrated_gradients",
    family="backprop",
    display="Integrated Gradients",
    budget="steps",
    gap="Gradients violate sensitivity and completeness; IG satisfies both axioms.",
    how=(
        "Averages gradients along the straight path from a constant baseline to the input "
        "(trapezoidal rule) and multiplies by the input difference; the map's sum matches "
        "the score difference up to the stored completeness error."
    ),
    reference="sundararajan2017ig",
)
class IntegratedGradients(GradientExplainer):
    """Integrated Gradients (Sundararajan et al. 2017) on the class logit, trapezoidal rule
    over `steps` intervals from a constant `baseline`; the map sums attributions over
    channels. Extras: the completeness error |sum(attr) - (S_c(x) - S_c(baseline))| and
    that difference."""

    def __init__(self, model, steps=64, baseline=0.0, **kwargs):
        super().__init__(model, **kwargs)
        self.steps = int(steps)
        self.baseline = float(baseline)

    def passes_per_map(self):
        return self.steps + 1

    def explain_batch(self, x, targets):
        n = len(x)
        baseline = np.full_like(x, self.baseline)
        alphas = np.linspace(0.0, 1.0, self.steps + 1, dtype=np.float32)
        weights = np.full(self.steps + 1, 1.0 / self.steps, dtype=np.float32)
        weights[[0, -1]] /= 2  # trapezoidal rule
        total = np.zeros_like(x)
        scores = np.zeros((len(alphas), n), dtype=np.float32)
        per_chunk = max(1, self.batch_size // max(n, 1))
        for start in range(0, len(alphas), per_chunk):
            chunk = alphas[start : start + per_chunk]
            path = baseline[None] + chunk.reshape(-1, *[1] * x.ndim) * (x - baseline)[None]
            grads, score = self.gradients(path.reshape(-1, *x.shape[1:]), np.tile(targets, len(chunk)))
            grads = grads.reshape(len(chunk), *x.shape)
            total += np.tensordot(weights[start : start + per_chunk], grads, axes=1)
            scores[start : start + len(chunk)] = score.reshape(len(chunk), n)
        attributions = (x - baseline) * total
        delta = scores[-1] - scores[0]
        error = np.abs(attributions.reshape(n, -1).sum(axis=1) - delta)
        return attributions.sum(axis=-1), {"completeness_error": error, "score_difference": delta}


@register(
    "smoothgrad",
    family="backprop",
    display="SmoothGrad",
    stochastic=True,
    budget="samples",
    gap="Gradient maps are visually noisy because the gradient fluctuates locally.",
    how=(
        "Averages the absolute gradient over copies of the input with Gaussian noise (one "
        "seeded noise set per job)."
    ),
    reference="smilkov2017smoothgrad",
)
class SmoothGrad(GradientExplainer):
    """SmoothGrad (Smilkov et al. 2017) of the vanilla-gradient map: the mean of |dS_c/dx|
    over `samples` noisy copies (noise std = `noise_level` x (max - min) of each input),
    then the max over channels; absolute values are averaged as in tf-keras-vis and
    Captum's NoiseTunnel over Saliency.
    One noise set is drawn from the seed and shared by all inputs, so a sample's map does
    not depend on the batch it is in."""

    parameter_schema = {"noise_level": {"type": "number", "exclusiveMinimum": 0}}

    def __init__(self, model, samples=25, noise_level=0.15, **kwargs):
        super().__init__(model, **kwargs)
        self.samples = int(samples)
        self.noise_level = float(noise_level)
        shape = (self.samples, *self.model.input_shape[1:])
        self.noise = np.random.default_rng(self.seed).standard_normal(shape).astype(np.float32)

    def passes_per_map(self):
        return self.samples

    def explain_batch(self, x, targets):
        n = len(x)
        flat = x.reshape(n, -1)
        sigma = (self.noise_level * (flat.max(axis=1) - flat.min(axis=1))).astype(np.float32)
        sigma = sigma.reshape(n, *[1] * (x.ndim - 1))
        total = np.zeros_like(x)
        per_chunk = max(1, self.batch_size // max(n, 1))
        for start in range(0, self.samples, per_chunk):
            noise = self.noise[start : start + per_chunk]
            noisy = x[None] + sigma[None] * noise[:, None]
            grads, _ = self.gradients(noisy.reshape(-1, *x.shape[1:]), np.tile(targets, len(noise)))
            total += np.abs(grads.reshape(len(noise), *x.shape)).sum(axis=0)
        return (total / self.samples).max(axis=-1), {}


@register(
    "fullgrad",
    family="backprop",
    display="FullGrad",
    gap=(
        "Input gradients miss what the biases contribute; the full-gradient representation "
        "adds the bias-gradients of every layer, so the parts sum exactly to the score."
    ),
    how=(
        "Input-gradient x input plus, for every convolution, the gradient at its output "
        "times its bias; each part in absolute value, min-max normalized per channel, "
        "upsampled to the input and summed (as pytorch-grad-cam's FullGrad)."
    ),
    reference="srinivas2019fullgrad",
)
class FullGrad(Explainer):
    """FullGrad (Srinivas and Fleuret 2019). For a ReLU network without normalization
    layers, S_c(x) = sum(dS_c/dx * x) + sum over biased layers l of sum(dS_c/dz_l * b_l),
    z_l the layer's output before its activation (dS_c/dz_l = dS_c/da_l * [a_l > 0] for
    ReLU). The map sums psi(|input part|) over input channels and psi(|dS_c/dz_l * b_l|)
    over the channels of every convolution, psi = per-channel min-max normalization then
    upsampling; the result is min-max normalized. Extras: the completeness error
    |S_c - sum of every part, Dense biases included|."""

    def __init__(self, model, **kwargs):
        super().__init__(model, **kwargs)
        logits = logits_tensor(self.model)
        convs = (keras.layers.Conv1D, keras.layers.Conv2D)
        self.biased = []
        for layer in self.model.layers:
            if isinstance(layer, keras.layers.BatchNormalization | keras.layers.LayerNormalization):
                raise UserError(f"fullgrad: layer '{layer.name}' of model '{self.model.name}' "
                                "normalizes; this FullGrad handles Conv and Dense biases only, "
                                "so fold the normalization into the layer before it first")
            if not (isinstance(layer, (*convs, keras.layers.Dense)) and layer.use_bias):
                continue
            if layer is self.model.layers[-1] and logits is not layer.output:
                continue  # the softmax Dense: its bias enters through the logits layer below
            activation = keras.activations.serialize(layer.activation)
            if activation not in ("relu", "linear", None):
                raise UserError(f"fullgrad: layer '{layer.name}' ends in {activation}; the "
                                "bias-gradients need ReLU or linear activations")
            self.biased.append(layer)
        self.last_bias = None  # the bias of a softmax Dense, whose logits are not a layer output
        last = self.model.layers[-1]
        if logits is not last.output and isinstance(last, keras.layers.Dense) and last.use_bias:
            self.last_bias = last.bias
        self.graph = keras.Model(self.model.input, [[l.output for l in self.biased], logits])
        self.spatial = [isinstance(layer, convs) for layer in self.biased]
        self.input_size = tuple(self.model.input_shape[1:-1])
        self._parts = tf.function(self._compute, reduce_retracing=True)

    def _compute(self, x, targets):
        def forward(batch):  # the input and every biased layer's output, and the logits
            outputs, logits = self.graph(batch, training=False)
            return [batch, *outputs], logits

        outputs, score, grads = target_gradients(forward, x, targets)
        input_part = grads[0] * x
        parts = []
        for layer, output, grad in zip(self.biased, outputs[1:], grads[1:]):
            if keras.activations.serialize(layer.activation) == "relu":
                grad = grad * tf.cast(output > 0, grad.dtype)
            parts.append(grad * layer.bias)
        return input_part, parts, score

    def explain_batch(self, x, targets):
        input_part, parts, score = self._parts(tf.constant(x), tf.constant(targets))
        input_part, parts = input_part.numpy(), [part.numpy() for part in parts]
        # the completeness error in float64 and NumPy's fixed summation order, so that it is
        # the same number in every run (TensorFlow's threads sum float32 in varying orders)
        total = sum(part.reshape(len(x), -1).astype(np.float64).sum(axis=1)
                    for part in [input_part, *parts])
        if self.last_bias is not None:
            total = total + self.last_bias.numpy().astype(np.float64)[targets]
        error = np.abs(score.numpy().astype(np.float64) - total)
        saliency = _channel_normalized(np.abs(input_part)).sum(axis=-1)
        for part, spatial in zip(parts, self.spatial):
            if spatial:  # (bi)linear upsampling is linear: sum the channels, then upsample
                layer_sum = _channel_normalized(np.abs(part)).sum(axis=-1)
                saliency += upsample(layer_sum, self.input_size).numpy()
        low = saliency.reshape(len(x), -1).min(axis=1).reshape(-1, *[1] * len(self.input_size))
        saliency = saliency - low
        high = saliency.reshape(len(x), -1).max(axis=1).reshape(low.shape)
        return saliency / (1e-7 + high), {"completeness_error": error}


def _channel_normalized(values):
    """(n, *spatial, channels) scaled to [0, 1] per sample and channel, as pytorch-grad-cam's
    scale_cam_image: (v - min) / (1e-7 + max(v - min))."""
    axes = tuple(range(1, values.ndim - 1))
    values = values - values.min(axis=axes, keepdims=True)
    return values / (1e-7 + values.max(axis=axes, keepdims=True))
