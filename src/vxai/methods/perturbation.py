"""Perturbation-based attributions: RISE, occlusion and SISE. Each scores masked copies of
the input with the model's class probability; masks are made one batch at a time."""

import math

import keras
import numpy as np
import tensorflow as tf
from scipy.special import expit
from skimage.filters import threshold_otsu

from vxai.errors import UserError
from vxai.maps import normalize01
from vxai.methods.base import Explainer, target_gradients, upsample
from vxai.methods.registry import register
from vxai.methods.streaming import MaskedScores
from vxai.models.graph import logits_tensor, scored_model, spatial_layers


class PerturbationExplainer(Explainer):
    """Masks shared by every input of the job, made `batch_size` at a time by `masks(start,
    stop)` as tensors; each input accumulates sum_i score_i * weights(M_i) inside the
    compiled forward pass, and `finish` turns the sums into maps, given per input the sum,
    the least and the largest of the scores (`stats`) and, in `self.coverage`, sum_i M_i."""

    cost_kind = "forward"  # passes counted by self.scores
    parameter_schema = {"score": {"enum": ["probability", "logit"]}}

    n_masks = 0

    def __init__(self, model, baseline=0.0, score="probability", **kwargs):
        super().__init__(model, **kwargs)
        self.baseline = float(baseline)
        self.input_size = tuple(self.model.input_shape[1:-1])
        self.scores = MaskedScores(scored_model(self.model, score), self.batch_size)

    def masks(self, start, stop):
        """Masks start..stop-1 as a float32 tensor (k, *input_size), 1 = keep."""
        raise NotImplementedError

    def weights(self, masks):
        return masks

    def finish(self, totals, x, targets, stats):
        raise NotImplementedError

    def explain_batch(self, x, targets):
        totals = np.zeros((len(x), *self.input_size), np.float64)
        stats = {"sum": np.zeros(len(x)), "min": np.full(len(x), np.inf),
                 "max": np.full(len(x), -np.inf)}
        self.coverage = np.zeros(self.input_size, np.float64)
        for start in range(0, self.n_masks, self.batch_size):
            masks = self.masks(start, min(start + self.batch_size, self.n_masks))
            weights = self.weights(masks)
            self.coverage += tf.reduce_sum(masks, axis=0).numpy()
            for i in range(len(x)):
                total, scores = self.scores.weighted_sum(x[i], targets[i], masks, weights,
                                                         self.baseline)
                totals[i] += total.numpy()
                scores = scores.numpy().astype(np.float64)
                stats["sum"][i] += scores.sum()
                stats["min"][i] = min(stats["min"][i], scores.min())
                stats["max"][i] = max(stats["max"][i], scores.max())
        maps, extras = self.finish(totals, x, targets, stats)
        return maps.astype(np.float32), extras


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


def sise_layers(model):
    """SISE's default layers: the layer feeding each pooling layer, then the last
    convolution (in model order, without repeats)."""
    pooling = (keras.layers.MaxPooling1D, keras.layers.MaxPooling2D,
               keras.layers.AveragePooling1D, keras.layers.AveragePooling2D)
    producers = {id(layer.output): layer.name for layer in model.layers}
    names = [producers[id(layer.input)] for layer in model.layers
             if isinstance(layer, pooling) and id(layer.input) in producers]
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv1D | keras.layers.Conv2D)]
    names += convs[-1:]
    return list(dict.fromkeys(names))


@register(
    "sise",
    family="perturbation",
    display="SISE",
    gap=(
        "Single-layer CAMs are coarse; SISE combines several layers into a finer, complete "
        "map."
    ),
    how=(
        "Feature maps of the last layer of each block with a positive mean gradient of the "
        "class probability become masks, each scored by the class probability of the masked "
        "input and divided by its own area; the layer maps are fused from the shallowest "
        "block to the deepest, each step gated by a steep sigmoid at the deeper map's Otsu "
        "threshold, as in the authors' code."
    ),
    reference="sattarzadeh2021sise",
)
class SISE(Explainer):
    """SISE (Sattarzadeh et al. 2021). `fusion="soft"` (default) follows the authors'
    released code: per layer, the feature maps whose mean gradient of the class probability
    exceeds `mu` times the largest are upsampled (bilinear) and min-max normalized into
    masks M_i; the layer map is V = normalize(sum_i p_c(x * M_i) M_i / sum(M_i)). Fusion, from
    the shallowest layer to the deepest: E <- (E + V_l) * sigmoid(T (V_l - t_l)), where t_l
    is Otsu's threshold of V_l (256 bins), replaced by `tau` t_l when fewer than 10 % of
    the values reach `tau` t_l; the map is normalize(E).
    `fusion="hard"` is this project's earlier variant: gradients of the class logit, layer
    maps sum_i p_c(x * M_i) M_i, and from the deepest layer to the shallowest
    F <- normalize((F + V_l) * [F > Otsu(F)]), a hard gate whose zeros tie."""

    cost_kind = "forward"  # passes counted by self.scores

    parameter_schema = {
        "layers": {"type": ["array", "null"], "items": {"type": "string"}},
        "mu": {"type": "number", "minimum": 0, "maximum": 1},
        "fusion": {"enum": ["soft", "hard"]},
        "temperature": {"type": "number", "exclusiveMinimum": 0},
        "tau": {"type": "number", "minimum": 1},
    }

    def __init__(self, model, layers=None, mu=0.0, fusion="soft", temperature=100.0, tau=1.5,
                 **kwargs):
        super().__init__(model, **kwargs)
        choices = spatial_layers(self.model)
        self.layers = list(layers) if layers else sise_layers(self.model)
        unknown = [name for name in self.layers if name not in choices]
        if unknown or not self.layers:
            raise UserError(f"sise: layers {unknown or self.layers} are not spatial layers of "
                            f"model '{self.model.name}'; choose from: {', '.join(choices)}")
        if fusion not in ("soft", "hard"):
            raise UserError(f"sise: fusion must be 'soft' or 'hard', got {fusion!r}")
        self.mu, self.fusion = float(mu), fusion
        self.temperature, self.tau = float(temperature), float(tau)
        self.input_size = tuple(self.model.input_shape[1:-1])
        outputs = [self.model.get_layer(name).output for name in self.layers]
        self.graph = keras.Model(self.model.input, [outputs, logits_tensor(self.model)])
        self.scores = MaskedScores(self.model, self.batch_size)
        self._gradients = tf.function(self._compute, reduce_retracing=True)

    def _compute(self, x, targets):
        score = "logit" if self.fusion == "hard" else "probability"
        activations, _, grads = target_gradients(
            lambda batch: self.graph(batch, training=False), x, targets, score)
        means = [tf.reduce_mean(g, axis=list(range(1, len(g.shape) - 1))) for g in grads]
        return activations, means

    def layer_masks(self, activations, mean_grads):
        """One layer's masks for one input (activations (*spatial, channels)): the feature
        maps with a mean gradient above mu times the largest, upsampled and normalized."""
        keep = mean_grads > self.mu * mean_grads.max()
        channels = np.moveaxis(activations[..., keep], -1, 0)
        if not len(channels):
            return np.zeros((0, *self.input_size), np.float32)
        return normalize01(upsample(channels, self.input_size).numpy())

    def layer_map(self, scores, masks):
        """A layer's visualization map from its masks (k, *input_size) and their scores."""
        if not len(masks):
            return np.zeros(self.input_size, np.float32)
        if self.fusion == "hard":
            return np.tensordot(scores, masks, axes=1)
        areas = masks.reshape(len(masks), -1).sum(axis=1)
        weights = np.where(areas > 0, scores / np.where(areas > 0, areas, 1.0), 0.0)
        return normalize01(np.tensordot(weights, masks, axes=1)[None])[0]

    def gate_threshold(self, layer_map):
        """The authors' adaptive Otsu threshold of a [0, 1] layer map: values rounded to 256
        levels, t the level that maximizes the between-class variance of levels below t and
        at or above it; tau t instead when fewer than 10 % of the values reach level
        round(tau t). Returned in map units (level / 256)."""
        bins = 256
        hist = np.histogram(np.round(layer_map * bins), bins, (0, bins))[0].astype(np.float64)
        levels = np.arange(bins)
        below = np.cumsum(hist)[:-1]  # values below level j, for j = 1 .. bins - 1
        above = hist.sum() - below
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_below = np.cumsum(hist * levels)[:-1] / below
            mean_above = ((hist * levels).sum() - np.cumsum(hist * levels)[:-1]) / above
            variance = np.nan_to_num(below * above * (mean_below - mean_above) ** 2)
        t = int(np.argmax(np.concatenate([[0.0], variance])))
        if hist[round(t * self.tau) :].sum() < 0.1 * hist.sum():
            return t * self.tau / bins
        return t / bins

    def fuse(self, layer_maps):
        """One map from the layer maps (shallowest first)."""
        if self.fusion == "hard":
            fused = normalize01(layer_maps[-1][None])[0]
            for layer_map in reversed(layer_maps[:-1]):
                gate = (fused > threshold_otsu(fused) if np.ptp(fused) > 0
                        else np.ones_like(fused, bool))
                fused = normalize01(((fused + normalize01(layer_map[None])[0]) * gate)[None])[0]
            return fused
        layer_maps = [np.asarray(m, np.float64) for m in layer_maps]  # gates reach 1e-40
        fused = layer_maps[0]
        for layer_map in layer_maps[1:]:
            if np.ptp(layer_map) > 0:
                # the logistic sigmoid, accurate far below the threshold (no exact zeros)
                gate = expit(self.temperature * (layer_map - self.gate_threshold(layer_map)))
            else:
                gate = np.ones_like(layer_map)
            fused = (fused + layer_map) * gate
        return normalize01(fused[None])[0]

    def explain_batch(self, x, targets):
        activations, means = self._gradients(tf.constant(x), tf.constant(targets))
        activations = [a.numpy() for a in activations]
        means = [m.numpy() for m in means]
        layer_masks = {}

        def masks_of(i):  # all layers' masks of input i, kept until its scores are complete
            layer_masks[i] = [self.layer_masks(a[i], m[i]) for a, m in zip(activations, means)]
            return np.concatenate(layer_masks[i])

        maps = []
        for i, scores in self.scores.rows(x, targets, masks_of):
            masks = layer_masks.pop(i)  # each layer's map: its masks weighted by their scores
            parts = np.split(scores, np.cumsum([len(m) for m in masks])[:-1])
            maps.append(self.fuse([self.layer_map(p, m) for p, m in zip(parts, masks)]))
        return np.stack(maps), {}
