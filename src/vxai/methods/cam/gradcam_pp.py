"""Grad-CAM++ (Chattopadhay et al. 2018): channel weights from higher-order gradient terms."""

import tensorflow as tf

from vxai.methods.cam.base import GradientCAM, spatial_axes
from vxai.methods.registry import register


@register(
    "gradcam_pp",
    family="cam",
    display="Grad-CAM++",
    gap="Grad-CAM's plain mean of gradients under-weights small or repeated objects.",
    how=(
        "Replaces the mean by pixel-wise weights (alphas) from second- and third-order "
        "terms of an exponential score, in closed form; otherwise as Grad-CAM."
    ),
    reference="chattopadhay2018gradcampp",
)
class GradCAMPlusPlus(GradientCAM):
    """Grad-CAM++ (Chattopadhyay et al. 2018), the paper's closed form for an exponential
    score Y = exp(S): alpha = g^2 / (2 g^2 + sum(A) g^3) with g = dS/dA, and
    w_k = sum_ij alpha_ij relu(g_ij). The positive factor exp(S) of dY/dA is dropped."""

    def channel_weights(self, x, targets, activations, grads):
        axes = spatial_axes(grads)
        g2, g3 = grads**2, grads**3
        total = tf.reduce_sum(activations, axis=axes, keepdims=True)
        denominator = 2.0 * g2 + total * g3
        denominator = tf.where(denominator != 0.0, denominator, tf.ones_like(denominator))
        alphas = g2 / denominator
        return tf.reduce_sum(alphas * tf.nn.relu(grads), axis=axes)
