"""Backpropagation-based attributions from input gradients of the class logit: Saliency,
Gradient x Input, Integrated Gradients and SmoothGrad."""

import keras
import numpy as np
import tensorflow as tf

from vxai.methods.base import Explainer, target_gradients
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
