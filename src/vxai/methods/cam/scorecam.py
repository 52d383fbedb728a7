"""Score-CAM (Wang et al. 2020): channel weights from the score of the input masked by each channel."""

import numpy as np
import tensorflow as tf

from vxai.maps import normalize01
from vxai.methods.base import upsample
from vxai.methods.cam.base import PerChannelCAM
from vxai.methods.registry import register
from vxai.models.loading import compiled_forward


@register(
    "scorecam",
    family="cam",
    display="Score-CAM",
    gap="Gradients can be noisy or saturated; Score-CAM drops them altogether.",
    how=(
        "Each upsampled, min-max normalized channel of the target layer masks the input; "
        "the class probability of the masked input becomes that channel's weight."
    ),
    reference="wang2020scorecam",
)
class ScoreCAM(PerChannelCAM):
    """Score-CAM (Wang et al. 2020): each upsampled, min-max normalized activation map masks
    the input; the class probability of the masked input is that channel's weight."""

    cost_kind = "forward"

    def __init__(self, model, layer=None, **kwargs):
        super().__init__(model, layer, **kwargs)
        self._forward = compiled_forward(self.model)

    def passes_per_map(self):
        return self.graph.outputs[0].shape[-1]

    def weights_for(self, x, target, activations):
        channels = np.moveaxis(activations, -1, 0)  # (channels, *spatial)
        scores = []
        for start in range(0, len(channels), self.batch_size):
            chunk = channels[start : start + self.batch_size]
            masks = normalize01(upsample(chunk, self.input_size).numpy())
            probs = self._forward(tf.constant(x[None] * masks[..., None]))
            scores.append(probs.numpy()[:, target])
        return np.concatenate(scores)
