"""Class activation maps' shared work (target-layer activations, gradients, ReLU,
upsampling to the input resolution); each variant supplies the channel weights."""

import numpy as np
import tensorflow as tf

from vxai.errors import UserError
from vxai.methods.base import Explainer, target_gradients, upsample
from vxai.models.graph import activations_and_logits, resolve_layer
from vxai.models.loading import compiled_forward


def spatial_axes(tensor):
    return list(range(1, len(tensor.shape) - 1))


def _expand(weights, activations):
    """(n, channels) -> broadcastable against (n, *spatial, channels)."""
    for _ in spatial_axes(activations):
        weights = weights[:, None]
    return weights


class CAMExplainer(Explainer):
    """Target layer from `layer` (default: the last layer with a spatial output). Variants
    supply `channel_weights`; those that need no gradients set `uses_gradients = False` and
    get NumPy activations and no gradients (as pytorch-grad-cam's gradient-free CAMs).
    `upsample`: "bilinear" (pytorch-grad-cam, tf-keras-vis) or "cubic" (a cubic spline, then
    divided by the map's maximum, as the course code does)."""

    uses_gradients = True
    score = "logit"

    parameter_schema = {
        "layer": {
            "type": ["string", "null"],
            "description": "target layer name; null for the last layer with a spatial output",
        },
        "upsample": {"enum": ["bilinear", "cubic"]},
    }

    def __init__(self, model, layer=None, upsample="bilinear", **kwargs):
        super().__init__(model, **kwargs)
        self.layer = resolve_layer(self.model, layer).name
        self.graph = activations_and_logits(self.model, self.layer)
        self.input_size = tuple(self.model.input_shape[1:-1])
        if upsample not in ("bilinear", "cubic"):
            raise UserError(f"{self.name}: upsample must be 'bilinear' or 'cubic', got {upsample!r}")
        self.upsampling = upsample
        if self.uses_gradients:
            self._batch = tf.function(self._compute, reduce_retracing=True)
        else:
            self._activations = compiled_forward(
                lambda x, training: self.graph(x, training=training)[0])

    def channel_weights(self, x, targets, activations, grads):
        """Per-sample, per-channel weights (n, channels); `grads` is None for the
        gradient-free variants."""
        raise NotImplementedError

    def _compute(self, x, targets):
        activations, _, grads = target_gradients(
            lambda batch: self.graph(batch, training=False), x, targets, self.score)
        weights = self.channel_weights(x, targets, activations, grads)
        return tf.nn.relu(tf.reduce_sum(_expand(weights, activations) * activations, axis=-1))

    def layer_maps(self, x, targets):
        """Maps at the target layer's resolution, before upsampling."""
        if self.uses_gradients:
            return self._batch(tf.constant(x), tf.constant(targets)).numpy()
        activations = self._activations(tf.constant(x)).numpy()
        weights = self.channel_weights(x, targets, activations, None)
        expanded = weights.reshape(len(x), *([1] * (activations.ndim - 2)), -1)
        return np.maximum((expanded * activations).sum(axis=-1), 0)

    def explain_batch(self, x, targets):
        maps = self.layer_maps(x, targets)
        if self.upsampling == "bilinear":
            return upsample(maps, self.input_size).numpy(), {}
        maps = upsample(maps, self.input_size, "cubic")
        peaks = maps.reshape(len(maps), -1).max(axis=1)
        return maps / np.where(peaks > 0, peaks, 1.0).reshape(-1, *[1] * (maps.ndim - 1)), {}


class GradientCAM(CAMExplainer):
    """CAM variants weighted by gradients of the class `score`: "logit" (as in the Grad-CAM
    paper) or "probability" (the softmax output, as the course code does)."""

    parameter_schema = {"score": {"enum": ["logit", "probability"]}}

    def __init__(self, model, score="logit", **kwargs):
        if score not in ("logit", "probability"):
            raise UserError(f"{self.name}: score must be 'logit' or 'probability', got {score!r}")
        self.score = score
        super().__init__(model, **kwargs)


class PerChannelCAM(CAMExplainer):
    """Variants whose channel weights need extra forward passes, batched over channels."""

    uses_gradients = False

    def channel_weights(self, x, targets, activations, grads):
        return np.stack([self.weights_for(x[i], targets[i], activations[i])
                         for i in range(len(x))])
