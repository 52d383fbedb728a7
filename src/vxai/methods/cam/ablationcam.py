"""Ablation-CAM (Desai and Ramaswamy 2020): channel weights from the score drop when each channel is zeroed."""

import numpy as np
import tensorflow as tf

from vxai.methods.cam.base import PerChannelCAM
from vxai.methods.registry import register
from vxai.models.graph import head_after
from vxai.models.loading import compiled_forward


@register(
    "ablationcam",
    family="cam",
    display="Ablation-CAM",
    gap="Also gradient-free, but asks what the class score loses without each channel.",
    how=(
        "Sets one channel of the target layer to zero at a time, reruns only the layers "
        "after it, and weights the channel by the relative drop of the class score."
    ),
    reference="desai2020ablationcam",
)
class AblationCAM(PerChannelCAM):
    """Ablation-CAM (Desai and Ramaswamy 2020): w_k = (y_c - y_c^k) / y_c, where y_c^k is the
    class score with channel k of the target layer set to zero. Only the layers after the
    target layer are re-run."""

    cost_kind = "head"

    def __init__(self, model, layer=None, **kwargs):
        super().__init__(model, layer, **kwargs)
        self._head = compiled_forward(head_after(self.model, self.layer))

    def passes_per_map(self):
        return self.graph.outputs[0].shape[-1] + 1

    def weights_for(self, x, target, activations):
        n_channels = activations.shape[-1]
        base = self._head(tf.constant(activations[None])).numpy()[0, target]
        scores = []
        for start in range(0, n_channels, self.batch_size):
            ks = np.arange(start, min(start + self.batch_size, n_channels))
            ablated = np.repeat(activations[None], len(ks), axis=0)
            ablated[np.arange(len(ks)), ..., ks] = 0.0
            scores.append(self._head(tf.constant(ablated)).numpy()[:, target])
        scale = base if base != 0 else 1.0
        return (base - np.concatenate(scores)) / scale
