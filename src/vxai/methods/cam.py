"""Class activation maps. `CAMExplainer` does the shared work (target-layer activations,
gradients, ReLU, upsampling to the input resolution); each variant supplies the channel
weights."""

import keras
import numpy as np
import tensorflow as tf

from vxai.errors import UserError
from vxai.maps import normalize01
from vxai.methods.base import Explainer, target_gradients, upsample
from vxai.methods.registry import register
from vxai.models.graph import activations_and_logits, head_after, resolve_layer
from vxai.models.loading import compiled_forward


def _spatial_axes(tensor):
    return list(range(1, len(tensor.shape) - 1))


def _expand(weights, activations):
    """(n, channels) -> broadcastable against (n, *spatial, channels)."""
    for _ in _spatial_axes(activations):
        weights = weights[:, None]
    return weights


class CAMExplainer(Explainer):
    """Target layer from `layer` (default: the last layer with a spatial output). Variants
    supply `channel_weights`; those that need no gradients set `uses_gradients = False` and
    get NumPy activations and no gradients (as pytorch-grad-cam's gradient-free CAMs).
    `upsample`: "bilinear" (pytorch-grad-cam, tf-keras-vis) or "cubic" (a cubic spline, then
    divided by the map's maximum, as the course code does)."""

    uses_gradients = True
    score = "logit"

    parameter_schema = {
        "layer": {
            "type": ["string", "null"],
            "description": "target layer name; null for the last layer with a spatial output",
        },
        "upsample": {"enum": ["bilinear", "cubic"]},
    }

    def __init__(self, model, layer=None, upsample="bilinear", **kwargs):
        super().__init__(model, **kwargs)
        self.layer = resolve_layer(self.model, layer).name
        self.graph = activations_and_logits(self.model, self.layer)
        self.input_size = tuple(self.model.input_shape[1:-1])
        if upsample not in ("bilinear", "cubic"):
            raise UserError(f"{self.name}: upsample must be 'bilinear' or 'cubic', got {upsample!r}")
        self.upsampling = upsample
        if self.uses_gradients:
            self._batch = tf.function(self._compute, reduce_retracing=True)
        else:
            self._activations = compiled_forward(
                lambda x, training: self.graph(x, training=training)[0])

    def channel_weights(self, x, targets, activations, grads):
        """Per-sample, per-channel weights (n, channels); `grads` is None for the
        gradient-free variants."""
        raise NotImplementedError

    def _compute(self, x, targets):
        activations, _, grads = target_gradients(
            lambda batch: self.graph(batch, training=False), x, targets, self.score)
        weights = self.channel_weights(x, targets, activations, grads)
        return tf.nn.relu(tf.reduce_sum(_expand(weights, activations) * activations, axis=-1))

    def layer_maps(self, x, targets):
        """Maps at the target layer's resolution, before upsampling."""
        if self.uses_gradients:
            return self._batch(tf.constant(x), tf.constant(targets)).numpy()
        activations = self._activations(tf.constant(x)).numpy()
        weights = self.channel_weights(x, targets, activations, None)
        expanded = weights.reshape(len(x), *([1] * (activations.ndim - 2)), -1)
        return np.maximum((expanded * activations).sum(axis=-1), 0)

    def explain_batch(self, x, targets):
        maps = self.layer_maps(x, targets)
        if self.upsampling == "bilinear":
            return upsample(maps, self.input_size).numpy(), {}
        maps = upsample(maps, self.input_size, "cubic")
        peaks = maps.reshape(len(maps), -1).max(axis=1)
        return maps / np.where(peaks > 0, peaks, 1.0).reshape(-1, *[1] * (maps.ndim - 1)), {}


class GradientCAM(CAMExplainer):
    """CAM variants weighted by gradients of the class `score`: "logit" (as in the Grad-CAM
    paper) or "probability" (the softmax output, as the course code does)."""

    parameter_schema = {"score": {"enum": ["logit", "probability"]}}

    def __init__(self, model, score="logit", **kwargs):
        if score not in ("logit", "probability"):
            raise UserError(f"{self.name}: score must be 'logit' or 'probability', got {score!r}")
        self.score = score
        super().__init__(model, **kwargs)


# layers after a CAM target layer that keep the class logit linear in its activations
LINEAR_HEAD = (keras.layers.GlobalAveragePooling1D, keras.layers.GlobalAveragePooling2D,
               keras.layers.Flatten, keras.layers.Reshape, keras.layers.Dropout,
               keras.layers.InputLayer)


def check_linear_head(model, layer):
    """Stop unless every layer after `layer` up to the logits is linear (pooling by
    averaging, flattening, dropout, linear Dense), naming the first one that is not."""
    for part in head_after(model, layer).layers:
        linear_dense = isinstance(part, keras.layers.Dense) and (
            keras.activations.serialize(part.activation) in ("linear", None))
        if not (linear_dense or isinstance(part, LINEAR_HEAD)):
            raise UserError(
                f"cam: layer '{part.name}' ({type(part).__name__}) after the target layer "
                f"'{layer}' of model '{model.name}' is not linear, so the class logit does not "
                "split over positions; choose a later layer (for example the last pooling "
                "layer) or use gradcam")


@register(
    "cam",
    family="cam",
    display="CAM",
    gap=(
        "The first class activation map: which positions of the last feature maps the "
        "class score is made of, exactly, for networks whose head is linear."
    ),
    how=(
        "The class logit is linear in the target layer's activations (global average "
        "pooling or flattening, then Dense), so it splits over positions: each position "
        "gets the sum over channels of its activations times their weights for the class."
    ),
    reference="zhou2016cam",
)
class CAM(CAMExplainer):
    """CAM (Zhou et al. 2016) for any linear head after the target layer: a GAP -> Dense
    head gives sum_k w_kc A_k / positions, a Flatten -> Dense head sum_k W[(t,k),c] A[t,k].
    Both are sum_k A[t,k] dS_c/dA[t,k], which this computes; no ReLU, so before upsampling
    the map sums to the logit minus its value at zero activations (the bias)."""

    def __init__(self, model, layer=None, **kwargs):
        super().__init__(model, layer, **kwargs)
        check_linear_head(self.model, self.layer)

    def _compute(self, x, targets):
        activations, _, grads = target_gradients(
            lambda batch: self.graph(batch, training=False), x, targets)
        return tf.reduce_sum(grads * activations, axis=-1)


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
        return tf.reduce_mean(grads, axis=_spatial_axes(grads))


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
        axes = _spatial_axes(grads)
        g2, g3 = grads**2, grads**3
        total = tf.reduce_sum(activations, axis=axes, keepdims=True)
        denominator = 2.0 * g2 + total * g3
        denominator = tf.where(denominator != 0.0, denominator, tf.ones_like(denominator))
        alphas = g2 / denominator
        return tf.reduce_sum(alphas * tf.nn.relu(grads), axis=axes)


class _PerChannelCAM(CAMExplainer):
    """Variants whose channel weights need extra forward passes, batched over channels."""

    uses_gradients = False

    def channel_weights(self, x, targets, activations, grads):
        return np.stack([self.weights_for(x[i], targets[i], activations[i])
                         for i in range(len(x))])


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
class ScoreCAM(_PerChannelCAM):
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
class AblationCAM(_PerChannelCAM):
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

