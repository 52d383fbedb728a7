"""SISE (Sattarzadeh et al. 2021): feature maps of several layers as masks, fused across layers."""

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
from vxai.models.graph import logits_tensor, spatial_layers


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
