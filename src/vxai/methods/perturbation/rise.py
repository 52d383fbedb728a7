"""RISE (Petsiuk et al. 2018): random masks weighted by the class score they leave."""

import math

import numpy as np
import tensorflow as tf

from vxai.errors import UserError
from vxai.methods.base import upsample
from vxai.methods.perturbation.base import PerturbationExplainer
from vxai.methods.registry import register


@register(
    "rise",
    family="perturbation",
    display="RISE",
    budget="masks",
    stochastic=True,
    gap="A black-box method that needs no gradients or internals, only forward passes.",
    how=(
        "Scores the input under many random smooth binary masks and averages the masks "
        "weighted by the class probability, normalized by the number of masks and the keep "
        "probability."
    ),
    reference="petsiuk2018rise",
)
class RISE(PerturbationExplainer):
    """RISE (Petsiuk et al. 2018): `masks` random binary grids of `cells` cells per axis
    (1-D: 1 x cells), each cell kept with probability `keep_probability`, upsampled
    (bi)linearly to (cells + 1) cell sizes, shifted at random by less than one cell and
    cropped to the input. Saliency = sum_i p_c(x * M_i) M_i / (N p). The mask set is drawn
    from the job's seed and shared by all of its inputs. `shift="pixels"` is the course
    code's variant: grids upsampled to the input size plus `cells` points per axis, shifted
    by 0 to `cells` points, and each mask divided by its maximum.

    Variance reduction, with the same expectation (E[M_i] = p at every point):
    `control_variate` subtracts the mean score s from every score, which removes the
    mask-coverage noise s * (sum_i M_i / (N p) - 1) of the plain sum; the map is
    s + sum_i (p_c(x * M_i) - s) M_i / ((N - 1) p). `sampling="independent"` draws every
    cell and shift independently; "stratified" keeps each grid cell in exactly round(p N)
    of the masks and spreads the shifts evenly over their range (each column of the design
    permuted at random). Stratified masks make the plain sum reproduce better, but not the
    control variate (bench/reproducibility.py). When the class probability is the same
    under every mask, the model gave RISE nothing to read: the map is that constant and
    its `score_range` extra 0; `score="logit"` scores the class logit instead, which still
    moves where the softmax has saturated."""

    parameter_schema = {
        "keep_probability": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "shift": {"enum": ["cell", "pixels"]},
        "sampling": {"enum": ["stratified", "independent"]},
    }

    def __init__(self, model, masks=1000, cells=7, keep_probability=0.5, shift="cell",
                 control_variate=True, sampling="independent", **kwargs):
        super().__init__(model, **kwargs)
        if not 0 < keep_probability <= 1:
            raise UserError(f"rise: keep_probability must be in (0, 1], got {keep_probability}")
        if shift not in ("cell", "pixels"):
            raise UserError(f"rise: shift must be 'cell' or 'pixels', got {shift!r}")
        if sampling not in ("stratified", "independent"):
            raise UserError(f"rise: sampling must be 'stratified' or 'independent', got "
                            f"{sampling!r}")
        if control_variate and shift == "pixels":
            raise UserError("rise: control_variate needs masks whose mean is p everywhere; "
                            "shift 'pixels' divides each mask by its maximum: set "
                            "control_variate: false with it")
        if control_variate and int(masks) < 2:
            raise UserError("rise: control_variate needs at least 2 masks")
        self.n_masks, self.p = int(masks), float(keep_probability)
        self.cells, self.shift = int(cells), shift
        self.control_variate, self.sampling = bool(control_variate), sampling
        self.cell = tuple(math.ceil(size / self.cells) for size in self.input_size)
        rng = np.random.default_rng(self.seed)
        rank = len(self.input_size)
        highs = self.cell if shift == "cell" else [self.cells + 1] * rank
        if sampling == "stratified":
            kept = max(1, round(self.p * self.n_masks))
            self.p = kept / self.n_masks  # the keep rate the masks have
            column = (np.arange(self.n_masks) < kept).astype(np.float32)
            grids = rng.permuted(np.repeat(column[:, None], self.cells**rank, axis=1), axis=0)
            self.grids = grids.reshape(self.n_masks, *([self.cells] * rank))
            self.shifts = np.stack([rng.permutation(np.arange(self.n_masks) % h)
                                    for h in highs], axis=1)
        else:
            shape = (self.n_masks, *([self.cells] * rank))
            self.grids = (rng.random(shape) < self.p).astype(np.float32)
            self.shifts = np.stack([rng.integers(0, h, self.n_masks) for h in highs], axis=1)

    def masks(self, start, stop):
        if self.shift == "cell":
            big = tuple((self.cells + 1) * c for c in self.cell)
        else:
            big = tuple(size + self.cells for size in self.input_size)
        masks = upsample(self.grids[start:stop], big)
        for axis, size in enumerate(self.input_size):  # crop each mask at its own shift
            index = self.shifts[start:stop, axis : axis + 1] + np.arange(size)
            masks = tf.gather(masks, index, axis=axis + 1, batch_dims=1)
        if self.shift == "pixels":
            peaks = tf.reduce_max(masks, axis=list(range(1, len(masks.shape))), keepdims=True)
            masks = masks / tf.where(peaks > 0, peaks, tf.ones_like(peaks))
        return masks

    def finish(self, totals, x, targets, stats):
        spread = stats["max"] - stats["min"]
        if self.control_variate:
            mean = (stats["sum"] / self.n_masks).reshape(-1, *[1] * len(self.input_size))
            maps = mean + (totals - mean * self.coverage) / ((self.n_masks - 1) * self.p)
            maps = np.where(spread.reshape(mean.shape) > 0, maps, mean)
        else:
            maps = totals / (self.n_masks * self.p)
        return maps, {"score_range": spread}
