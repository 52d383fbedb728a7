"""FullGrad (Srinivas and Fleuret 2019): the input gradient and every convolution's bias part."""

import keras
import numpy as np
import tensorflow as tf

from vxai.errors import UserError
from vxai.methods.base import Explainer, target_gradients, upsample
from vxai.methods.registry import register
from vxai.models.graph import logits_tensor


@register(
    "fullgrad",
    family="backprop",
    display="FullGrad",
    gap=(
        "Input gradients miss what the biases contribute; the full-gradient representation "
        "adds the bias-gradients of every layer, so the parts sum exactly to the score."
    ),
    how=(
        "Input-gradient x input plus, for every convolution, the gradient at its output "
        "times its bias; each part in absolute value, min-max normalized per channel, "
        "upsampled to the input and summed (as pytorch-grad-cam's FullGrad)."
    ),
    reference="srinivas2019fullgrad",
    diagnostics={
        "completeness_error": [
            "completeness error",
            "error",
            "mean |S(x) - (input part + every bias part)|, before post-processing",
        ],
    },
)
class FullGrad(Explainer):
    """FullGrad (Srinivas and Fleuret 2019). For a ReLU network without normalization
    layers, S_c(x) = sum(dS_c/dx * x) + sum over biased layers l of sum(dS_c/dz_l * b_l),
    z_l the layer's output before its activation (dS_c/dz_l = dS_c/da_l * [a_l > 0] for
    ReLU). The map sums psi(|input part|) over input channels and psi(|dS_c/dz_l * b_l|)
    over the channels of every convolution, psi = per-channel min-max normalization then
    upsampling; the result is min-max normalized. Extras: the completeness error
    |S_c - sum of every part, Dense biases included|."""

    def __init__(self, model, **kwargs):
        super().__init__(model, **kwargs)
        logits = logits_tensor(self.model)
        convs = (keras.layers.Conv1D, keras.layers.Conv2D)
        self.biased = []
        for layer in self.model.layers:
            if isinstance(layer, keras.layers.BatchNormalization | keras.layers.LayerNormalization):
                raise UserError(f"fullgrad: layer '{layer.name}' of model '{self.model.name}' "
                                "normalizes; this FullGrad handles Conv and Dense biases only, "
                                "so fold the normalization into the layer before it first")
            if not (isinstance(layer, (*convs, keras.layers.Dense)) and layer.use_bias):
                continue
            if layer is self.model.layers[-1] and logits is not layer.output:
                continue  # the softmax Dense: its bias enters through the logits layer below
            activation = keras.activations.serialize(layer.activation)
            if activation not in ("relu", "linear", None):
                raise UserError(f"fullgrad: layer '{layer.name}' ends in {activation}; the "
                                "bias-gradients need ReLU or linear activations")
            self.biased.append(layer)
        self.last_bias = None  # the bias of a softmax Dense, whose logits are not a layer output
        last = self.model.layers[-1]
        if logits is not last.output and isinstance(last, keras.layers.Dense) and last.use_bias:
            self.last_bias = last.bias
        self.graph = keras.Model(self.model.input, [[l.output for l in self.biased], logits])
        self.spatial = [isinstance(layer, convs) for layer in self.biased]
        self.input_size = tuple(self.model.input_shape[1:-1])
        self._parts = tf.function(self._compute, reduce_retracing=True)

    def _compute(self, x, targets):
        def forward(batch):  # the input and every biased layer's output, and the logits
            outputs, logits = self.graph(batch, training=False)
            return [batch, *outputs], logits

        outputs, score, grads = target_gradients(forward, x, targets)
        input_part = grads[0] * x
        parts = []
        for layer, output, grad in zip(self.biased, outputs[1:], grads[1:]):
            if keras.activations.serialize(layer.activation) == "relu":
                grad = grad * tf.cast(output > 0, grad.dtype)
            parts.append(grad * layer.bias)
        return input_part, parts, score

    def explain_batch(self, x, targets):
        input_part, parts, score = self._parts(tf.constant(x), tf.constant(targets))
        input_part, parts = input_part.numpy(), [part.numpy() for part in parts]
        # the completeness error in float64 and NumPy's fixed summation order, so that it is
        # the same number in every run (TensorFlow's threads sum float32 in varying orders)
        total = sum(part.reshape(len(x), -1).astype(np.float64).sum(axis=1)
                    for part in [input_part, *parts])
        if self.last_bias is not None:
            total = total + self.last_bias.numpy().astype(np.float64)[targets]
        error = np.abs(score.numpy().astype(np.float64) - total)
        saliency = _channel_normalized(np.abs(input_part)).sum(axis=-1)
        for part, spatial in zip(parts, self.spatial):
            if spatial:  # (bi)linear upsampling is linear: sum the channels, then upsample
                layer_sum = _channel_normalized(np.abs(part)).sum(axis=-1)
                saliency += upsample(layer_sum, self.input_size).numpy()
        low = saliency.reshape(len(x), -1).min(axis=1).reshape(-1, *[1] * len(self.input_size))
        saliency = saliency - low
        high = saliency.reshape(len(x), -1).max(axis=1).reshape(low.shape)
        return saliency / (1e-7 + high), {"completeness_error": error}


def _channel_normalized(values):
    """(n, *spatial, channels) scaled to [0, 1] per sample and channel, as pytorch-grad-cam's
    scale_cam_image: (v - min) / (1e-7 + max(v - min))."""
    axes = tuple(range(1, values.ndim - 1))
    values = values - values.min(axis=axes, keepdims=True)
    return values / (1e-7 + values.max(axis=axes, keepdims=True))
