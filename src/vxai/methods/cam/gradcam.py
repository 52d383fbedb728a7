"""Grad-CAM (Selvaraju et al. 2017): channel weights from the mean gradient."""

import tensorflow as tf

from vxai.methods.cam.base import GradientCAM, spatial_axes
from vxai.methods.registry import register


@register(
    "gradcam",
    family="cam",
    display="Grad-CAM",
    gap=(
        "CAM needed a global-average-pooling head; Grad-CAM works on any CNN without "
        "retraining."
    ),
    how=(
        "Weights each channel of the target layer by the spatial mean of the class logit's "
        "gradient, sums the weighted channels, keeps the positive part and upsamples it to "
        "the input."
    ),
    reference="selvaraju2017gradcam",
)
class GradCAM(GradientCAM):
    """Grad-CAM (Selvaraju et al. 2017): weights are the spatially averaged gradients."""

    def channel_weights(self, x, targets, activations, grads):
        return tf.reduce_mean(grads, axis=spatial_axes(grads))
