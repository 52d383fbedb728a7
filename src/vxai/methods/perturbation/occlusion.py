"""Occlusion (Zeiler and Fergus 2014): the score drop when a sliding window is covered."""

import math

import numpy as np
import tensorflow as tf

from vxai.errors import UserError
from vxai.methods.perturbation.base import PerturbationExplainer
from vxai.methods.registry import register


@register(
    "occlusion",
    family="perturbation",
    display="Occlusion",
    gap="The most direct perturbation test: hide a region and watch the class probability.",
    how=(
        "A window slides over the input with a stride and is set to a baseline value; each "
        "point gets the mean drop in class probability over the windows that cover it."
    ),
    reference="zeiler2014occlusion",
)
class Occlusion(PerturbationExplainer):
    """Occlusion (Zeiler and Fergus 2014): a `window` (points or pixels per side) slides with
    `stride`; inside it the input is set to `baseline`. Each point gets the mean drop in
    class probability over the windows that cover it (windows at the far edge are cut off,
    as in Captum)."""

    def __init__(self, model, window=5, stride=1, **kwargs):
        super().__init__(model, **kwargs)
        self.window, self.stride = int(window), int(stride)
        if self.window > min(self.input_size) or not 1 <= self.stride <= self.window:
            raise UserError(
                f"occlusion: need 1 <= stride <= window <= input size {self.input_size}, got "
                f"window {self.window}, stride {self.stride}")
        starts = [np.arange(math.ceil((size - self.window) / self.stride) + 1) * self.stride
                  for size in self.input_size]
        self.corners = np.stack(np.meshgrid(*starts, indexing="ij"), -1).reshape(-1, len(starts))
        self.n_masks = len(self.corners)
        self.count = np.zeros(self.input_size)  # windows covering each point
        for corner in self.corners:
            self.count[tuple(slice(c, c + self.window) for c in corner)] += 1.0

    def masks(self, start, stop):
        masks = np.ones((stop - start, *self.input_size), np.float32)
        for mask, corner in zip(masks, self.corners[start:stop]):
            mask[tuple(slice(c, c + self.window) for c in corner)] = 0.0
        return tf.constant(masks)

    def weights(self, masks):
        return 1.0 - masks  # the occluded window

    def finish(self, totals, x, targets, stats):
        full = self.scores.unmasked(x, targets)
        return full.reshape(-1, *([1] * len(self.input_size))) - totals / self.count, {}
