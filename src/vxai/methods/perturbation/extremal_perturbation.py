"""Extremal perturbations (Fong, Patrick and Vedaldi 2019): for each area a, the smooth mask
of area a whose preserved input keeps the class score highest."""

import itertools
import math

import keras
import numpy as np
import tensorflow as tf
from scipy.ndimage import gaussian_filter

from vxai.methods.base import Explainer
from vxai.methods.registry import register
from vxai.models.graph import logits_tensor


def smooth_max_kernel(rank, step, sigma):
    """(offsets, weights) of the smooth max-pooling: each input position draws on the grid
    points (spaced `step` apart) within `offsets` (neighbours, rank) of its own cell; the
    weight of neighbour o for the position s within the cell (row-major, step**rank of them)
    is exp(-2 max(0, d / sigma - 1/2)^2) at their distance d = |s - step o|."""
    radius = 1 + math.ceil(sigma / step)
    offsets = np.array(list(itertools.product(range(-radius, radius + 1), repeat=rank)))
    within = np.array(list(itertools.product(range(step), repeat=rank)))
    distance = np.linalg.norm(within[:, None, :] - step * offsets[None], axis=-1)
    weights = np.exp(-2 * np.maximum(distance / sigma - 0.5, 0) ** 2)
    return offsets, weights.astype(np.float32)


def blur_pyramid(x, levels, max_blur):
    """(n, levels, *spatial, channels): level l blurred with sigma (1 - l / (levels - 1)) *
    max_blur over the spatial axes, so the first level is the most blurred and the last is x
    (a smoothed signal on 1-D inputs)."""
    sigmas = (1 - np.linspace(0, 1, levels)) * max_blur
    return np.stack([
        np.stack([gaussian_filter(sample, [s] * (sample.ndim - 1) + [0]) for s in sigmas])
        for sample in x]).astype(np.float32)


@register(
    "extremal_perturbation",
    family="perturbation",
    display="Extremal Perturbation",
    gap=(
        "RISE and occlusion average over masks chosen at random; extremal perturbations "
        "optimize the mask itself, at fixed areas instead of trading area against the "
        "score."
    ),
    how=(
        "Finds, for each of a few areas, the smooth mask of that area whose preserved region "
        "(the rest blurred) keeps the class score highest, by gradient ascent with a "
        "ranking penalty that forces the area; the map is the sum of the masks."
    ),
    reference="fong2019extremal",
    diagnostics={
        "area_error": [
            "area error",
            "number",
            (
                "mean over samples of the largest gap between a mask's area (share of positions "
                "at or above 0.5) and its target"
            ),
        ],
    },
)
class ExtremalPerturbation(Explainer):
    """Extremal perturbations, preservation game. Mask parameters on a grid of points
    `step` positions apart become a smooth mask by smooth max-pooling (softmax weights,
    coldness 20) of kernel-weighted parameters (`sigma` positions wide). The masked input
    mixes x with its blurred copies: mask value m picks, by linear interpolation, a level
    of an 8-level pyramid blurred from `max_blur` down to 0 (1 = x itself; a smoothed
    signal on 1-D inputs). Objective per area a: the class logit of the masked input minus
    w * mean((sort(mask) - r_a)^2), r_a being (1 - a) zeros then a ones; w starts at
    `area_weight` (TorchRay's 300, for 224 x 224 inputs; the pull on each position is
    2 w / positions, so smaller inputs need a smaller weight: check `area_error`) and grows to 16.4 times that
    over the `steps` steps (TorchRay's 1.0035 per step over 800). SGD with momentum 0.9 and dampening 0.9, parameters clipped to [0, 1]. Not
    done: TorchRay's random horizontal flips and its mask margin (the area here counts the
    input's positions only). Map: the sum of the masks over `areas`; extras: each sample's
    largest difference between a mask's area (fraction >= 0.5) and its target."""

    parameter_schema = {
        "areas": {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0,
                                             "exclusiveMaximum": 1}, "minItems": 1},
        "sigma": {"type": "number", "exclusiveMinimum": 0},
        "max_blur": {"type": "number", "exclusiveMinimum": 0},
        "learning_rate": {"type": "number", "exclusiveMinimum": 0},
        "area_weight": {"type": "number", "exclusiveMinimum": 0},
    }

    def __init__(self, model, areas=(0.05, 0.1, 0.2), steps=800, step=7, sigma=21.0,
                 max_blur=20.0, learning_rate=0.01, area_weight=300.0, **kwargs):
        super().__init__(model, **kwargs)
        self.area_weight = float(area_weight)
        self.areas = [float(a) for a in areas]
        self.steps, self.learning_rate = int(steps), float(learning_rate)
        self.max_blur = float(max_blur)
        self.size = tuple(self.model.input_shape[1:-1])
        self.step = int(step)
        self.grid = [math.ceil(s / self.step) for s in self.size]
        self.offsets, weights = smooth_max_kernel(len(self.size), self.step, float(sigma))
        self.weights = tf.constant(weights)
        self.positions = positions = int(np.prod(self.size))
        self.reference = tf.constant(np.stack([
            np.r_[np.zeros(int(positions * (1 - a))), np.ones(positions - int(positions * (1 - a)))]
            for a in self.areas]).astype(np.float32))
        self.logits = keras.Model(self.model.input, logits_tensor(self.model))
        self._step = tf.function(self._gradient, reduce_retracing=True)

    def passes_per_map(self):
        return self.steps * len(self.areas)

    def masks(self, parameters):
        """(n, areas, *spatial) smooth masks in [0, 1] from (n, areas, grid points): every
        position's kernel-weighted neighbouring parameters (a parameter off the grid is 0),
        pooled by a softmax-weighted sum (coldness 20)."""
        rank, radius = len(self.size), int(self.offsets.max())
        grid = tf.pad(tf.reshape(parameters, (-1, *self.grid)), [[0, 0]] + [[radius, radius]] * rank)
        neighbours = tf.stack([
            grid[(slice(None),) + tuple(slice(radius + o, radius + o + g)
                                        for o, g in zip(offset, self.grid))]
            for offset in self.offsets], axis=-1)  # (n * areas, *grid, neighbours)
        values = neighbours[..., None, :] * self.weights  # (n * areas, *grid, within, neighbours)
        pooled = tf.reduce_sum(values * tf.nn.softmax(20.0 * values, axis=-1), axis=-1)
        pooled = tf.reshape(tf.clip_by_value(pooled, 0.0, 1.0),
                            (-1, *self.grid, *[self.step] * rank))
        if rank == 2:  # (cell row, cell column, row within, column within) -> rows, columns
            pooled = tf.transpose(pooled, (0, 1, 3, 2, 4))
        full = tf.reshape(pooled, (-1, *[g * self.step for g in self.grid]))
        full = full[(slice(None),) + tuple(slice(0, s) for s in self.size)]
        return tf.reshape(full, (-1, len(self.areas), *self.size))

    def perturbed(self, pyramid, masks):
        """Inputs (n * areas, *spatial, channels) mixing the pyramid levels that the masks
        pick; `pyramid` is (n, positions, levels, channels)."""
        levels = pyramid.shape[2]
        level = tf.transpose(tf.reshape(masks, (-1, len(self.areas), self.positions)),
                             (0, 2, 1)) * (levels - 1)
        below = tf.minimum(tf.floor(level), levels - 2)
        fraction = (level - below)[..., None]
        low = tf.gather(pyramid, tf.cast(below, tf.int32), axis=2, batch_dims=2)
        high = tf.gather(pyramid, tf.cast(below, tf.int32) + 1, axis=2, batch_dims=2)
        mixed = tf.transpose((1 - fraction) * low + fraction * high, (0, 2, 1, 3))
        return tf.reshape(mixed, (-1, *self.size, pyramid.shape[-1]))

    def _gradient(self, parameters, pyramid, targets, weight):
        with tf.GradientTape() as tape:
            tape.watch(parameters)
            masks = self.masks(parameters)
            logits = self.logits(self.perturbed(pyramid, masks), training=False)
            reward = tf.gather(logits, tf.repeat(targets, len(self.areas)), batch_dims=1)
            ranked = tf.sort(tf.reshape(masks, (-1, len(self.areas), self.positions)), axis=-1)
            penalty = tf.reduce_mean((ranked - self.reference) ** 2, axis=-1)
            loss = weight * tf.reduce_sum(penalty) - tf.reduce_sum(reward)  # minus the energy
        return tape.gradient(loss, parameters)

    def optimize(self, x, targets):
        """(masks (n, areas, *spatial), pyramid (n, positions, levels, channels)) for a batch."""
        levels = blur_pyramid(x, 8, self.max_blur)  # (n, levels, *spatial, channels)
        n, channels = len(x), x.shape[-1]
        pyramid = tf.constant(np.moveaxis(levels.reshape(n, 8, -1, channels), 1, 2))
        parameters = np.ones((n, len(self.areas), int(np.prod(self.grid))), np.float32)
        velocity = np.zeros_like(parameters)
        growth = 1.0035 ** (800 / self.steps)
        targets_t = tf.constant(targets)
        for step in range(self.steps):
            grad = self._step(tf.constant(parameters), pyramid, targets_t,
                              tf.constant(self.area_weight * growth**step, tf.float32)).numpy()
            velocity = 0.9 * velocity + 0.1 * grad
            parameters = np.clip(parameters - self.learning_rate * velocity, 0.0, 1.0)
        return self.masks(tf.constant(parameters)).numpy(), pyramid

    def explain_batch(self, x, targets):
        # the smooth max-pooling holds positions x neighbours values per mask and sample:
        # optimize a few samples at a time so that it stays near 64 M values (HMT: 5 tiles)
        values = np.prod(self.grid) * int(np.prod(self.weights.shape))
        chunk = max(1, int(64e6 // (len(self.areas) * values)))
        masks = np.concatenate([self.optimize(x[s : s + chunk], targets[s : s + chunk])[0]
                                for s in range(0, len(x), chunk)])
        achieved = (masks >= 0.5).reshape(len(x), len(self.areas), -1).mean(axis=-1)
        return masks.sum(axis=1), {"area_error": np.abs(achieved - self.areas).max(axis=1)}
