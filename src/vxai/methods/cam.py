"""Class activation maps: shared activation/gradient plumbing; variants supply channel weights."""

import tensorflow as tf

from vxai.methods.base import Explainer, register, upsample
from vxai.models.graph import activations_and_logits, resolve_layer


class CAMExplainer(Explainer):
    """Activations A and gradients dS_c/dA of the target layer (config `layer`, default the
    last spatial layer); map = ReLU(sum_k w_k A_k) upsampled to the input resolution."""

    def __init__(self, model, layer=None, **kwargs):
        super().__init__(model, **kwargs)
        self.layer = resolve_layer(model, layer).name
        self.graph = activations_and_logits(model, self.layer)
        self.input_size = tuple(model.input_shape[1:-1])
        self._batch = tf.function(self._compute, reduce_retracing=True)

    def channel_weights(self, activations, grads):
        """Per-sample, per-channel weights (n, channels)."""
        raise NotImplementedError

    def _compute(self, x, targets):
        with tf.GradientTape() as tape:
            activations, logits = self.graph(x, training=False)
            score = tf.gather(logits, targets, batch_dims=1)
        grads = tape.gradient(score, activations)
        weights = self.channel_weights(activations, grads)
        spatial_axes = list(range(1, len(activations.shape) - 1))
        for _ in spatial_axes:
            weights = weights[:, None]
        cam = tf.nn.relu(tf.reduce_sum(weights * activations, axis=-1))
        return upsample(cam, self.input_size)

    def explain_batch(self, x, targets):
        return self._batch(tf.constant(x), tf.constant(targets)).numpy(), {}


@register("gradcam", "cam")
class GradCAM(CAMExplainer):
    """Grad-CAM (Selvaraju et al. 2017): weights are the spatially averaged gradients."""

    def channel_weights(self, activations, grads):
        return tf.reduce_mean(grads, axis=list(range(1, len(grads.shape) - 1)))
