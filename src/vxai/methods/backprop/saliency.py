"""Saliency (Simonyan et al. 2014): the gradient's magnitude."""

import numpy as np

from vxai.methods.backprop.base import GradientExplainer
from vxai.methods.registry import register


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
