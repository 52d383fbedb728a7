"""Gradients of the class logit, the shared work of the gradient methods."""

import keras
import tensorflow as tf

from vxai.methods.base import Explainer, target_gradients
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
