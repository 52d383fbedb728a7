"""Layer-wise Relevance Propagation (Bach et al. 2015; Montavon et al. 2019) for chains of
Conv1D/Conv2D, pooling, Flatten, GlobalAveragePooling, Dense, Dropout and activation layers."""

import keras
import tensorflow as tf

from vxai.errors import UserError
from vxai.methods.base import Explainer
from vxai.methods.registry import register

WEIGHTED = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Dense)
PASS_THROUGH = (keras.layers.Dropout, keras.layers.Activation, keras.layers.ReLU)
RESHAPING = (keras.layers.Flatten, keras.layers.Reshape)
POOLING = (
    keras.layers.MaxPooling1D, keras.layers.MaxPooling2D, keras.layers.AveragePooling1D,
    keras.layers.AveragePooling2D, keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling1D,
    keras.layers.GlobalMaxPooling2D,
)
CONV_RULES = ("epsilon", "zplus", "alpha_beta")


def _linear_copy(layer, transform=None, bias=True):
    """A copy of a weighted layer without its activation, with transformed weights."""
    config = dict(layer.get_config(), activation="linear", name=f"{layer.name}_lrp{id(transform)}")
    if not bias:
        config["use_bias"] = False
    copy = layer.__class__.from_config(config)
    copy.build(layer.input.shape)
    kernel = layer.get_weights()[0]
    weights = [kernel if transform is None else transform(kernel)]
    if bias and layer.use_bias:
        weights.append(layer.get_weights()[1])
    copy.set_weights(weights)
    return copy


def _stabilize(z, eps):
    return z + eps * tf.where(z >= 0, tf.ones_like(z), -tf.ones_like(z))


def _redistribute(fn, a, relevance, eps):
    """The gradient trick: R_in = a * d/da sum(fn(a) * stop(R / fn(a)))."""
    with tf.GradientTape() as tape:
        tape.watch(a)
        z = fn(a)
        s = tf.stop_gradient(relevance / _stabilize(z, eps))
        total = tf.reduce_sum(z * s)
    return a * tape.gradient(total, a)


@register(
    "lrp",
    family="backprop",
    display="LRP",
    gap="Decomposes the score into input relevances that are conserved layer by layer.",
    how=(
        "Propagates the class logit back with the epsilon rule for dense layers and the "
        "first layer and the z+ (or alpha-beta, epsilon) rule for convolutions."
    ),
    reference="bach2015lrp",
)
class LRP(Explainer):
    """Relevance starts at the target class logit. Dense layers and the first layer use the
    epsilon rule; the other convolutions use `conv_rule`: epsilon, zplus (z+) or
    alpha_beta (alpha - beta = 1); pooling layers redistribute in proportion to their
    inputs (max pooling: to the maximum); Flatten reshapes. The map sums input relevance
    over channels."""

    parameter_schema = {
        "epsilon": {"type": "number", "exclusiveMinimum": 0},
        "conv_rule": {"enum": ["epsilon", "zplus", "alpha_beta"]},
        "alpha": {"type": "number", "minimum": 1},
        "beta": {"type": "number", "minimum": 0},
    }

    def __init__(self, model, epsilon=1e-6, conv_rule="zplus", alpha=1.0, beta=0.0, **kwargs):
        super().__init__(model, **kwargs)
        if conv_rule not in CONV_RULES:
            raise UserError(f"unknown LRP conv_rule '{conv_rule}'; choose one of {CONV_RULES}")
        if abs(alpha - beta - 1.0) > 1e-9:
            raise UserError(f"LRP alpha_beta needs alpha - beta = 1, got alpha={alpha}, beta={beta}")
        self.epsilon, self.conv_rule = float(epsilon), conv_rule
        self.alpha, self.beta = float(alpha), float(beta)
        self.layers = self._chain(self.model)
        self.steps = [self._rule(i, layer) for i, layer in enumerate(self.layers)]
        self._batch = tf.function(self._compute, reduce_retracing=True)

    @staticmethod
    def _chain(model):
        layers = [l for l in model.layers if not isinstance(l, keras.layers.InputLayer)]
        previous = model.input
        for layer in layers:
            if layer.input is not previous:
                raise UserError(f"LRP needs a chain of layers; layer '{layer.name}' of model "
                                f"'{model.name}' does not take the previous layer's output")
            if not isinstance(layer, WEIGHTED + PASS_THROUGH + RESHAPING + POOLING):
                raise UserError(f"LRP has no rule for layer '{layer.name}' "
                                f"({layer.__class__.__name__}) of model '{model.name}'")
            previous = layer.output
        return layers

    def _rule(self, index, layer):
        """(forward function giving the layer's output, relevance step) for one layer."""
        eps = self.epsilon
        if isinstance(layer, RESHAPING):
            return layer, lambda a, r: tf.reshape(r, tf.shape(a))
        if isinstance(layer, PASS_THROUGH):
            last = index == len(self.layers) - 1  # a final softmax: keep the logits
            return (tf.identity if last else layer), lambda a, r: r
        if isinstance(layer, POOLING):
            return layer, lambda a, r: _redistribute(layer, a, r, eps)
        linear = _linear_copy(layer)
        rule = "epsilon" if index == 0 or isinstance(layer, keras.layers.Dense) else self.conv_rule
        if rule == "epsilon":
            step = lambda a, r: _redistribute(linear, a, r, eps)  # noqa: E731
        else:
            positive = _linear_copy(layer, lambda w: w.clip(min=0), bias=False)
            negative = _linear_copy(layer, lambda w: w.clip(max=0), bias=False)
            alpha, beta = (1.0, 0.0) if rule == "zplus" else (self.alpha, self.beta)

            def step(a, r):
                kept = alpha * _redistribute(positive, a, r, 1e-12)
                return kept - beta * _redistribute(negative, a, r, 1e-12) if beta else kept
        return (linear if index == len(self.layers) - 1 else layer), step

    def _compute(self, x, targets):
        activations = [x]
        for forward, _ in self.steps:
            activations.append(forward(activations[-1]))
        logits = activations[-1]
        relevance = tf.one_hot(targets, tf.shape(logits)[-1], dtype=logits.dtype) * logits
        for (_, step), a in zip(reversed(self.steps), reversed(activations[:-1])):
            relevance = step(a, relevance)
        return tf.reduce_sum(relevance, axis=-1)

    def explain_batch(self, x, targets):
        return self._batch(tf.constant(x), tf.constant(targets)).numpy(), {}
