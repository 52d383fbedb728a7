"""An elastic-net counterfactual (Wachter et al. 2017; Dhurandhar et al. 2018): the smallest
change to the input that makes the model predict another class; the map is its size."""

import numpy as np
import tensorflow as tf
import keras

from vxai.methods.base import Explainer
from vxai.methods.counterfactual.base import most_likely_other
from vxai.methods.registry import register
from vxai.models.graph import logits_tensor
from vxai.models.loading import compiled_forward


@register(
    "counterfactual",
    family="counterfactual",
    display="Counterfactual",
    gap="Answers \"what would have to change for another decision\", not \"what mattered\".",
    how=(
        "Gradient search for the smallest elastic-net change that makes the most likely "
        "other class win, shrunk back towards the input while it still wins; the map is the "
        "size of the change."
    ),
    reference="wachter2017counterfactual",
    diagnostics={
        "counterfactual_success": [
            "counterfactual success",
            "share",
            "share of samples whose search reached the other class",
        ],
        "edit_size": [
            "edit size",
            "count",
            "mean number of changed input values",
        ],
    },
)
class Counterfactual(Explainer):
    """A gradient search in the style of Wachter et al. (2017) with an elastic-net distance:
    minimize c * max(0, max_{j != t} z_j - z_t + margin) + beta * |d|_1 + |d|_2^2 over the
    change d, where z are the logits of x + d and t the counterfactual class (default: the
    most likely class other than the explained one, i.e. the second most likely for the
    predicted class). Adam with rate `learning_rate` for `steps` steps; the smallest
    change (elastic-net cost) that makes t the prediction is kept, then shrunk towards x by
    bisection while t stays predicted. `value_range` clips x + d. The map is |d| summed over
    channels. Extras: the counterfactual class, success, the number of changed input values
    (edit size) and the counterfactual inputs."""

    parameter_schema = {
        "learning_rate": {"type": "number", "exclusiveMinimum": 0},
        "c": {"type": "number", "exclusiveMinimum": 0},
        "beta": {"type": "number", "minimum": 0},
        "margin": {"type": "number", "minimum": 0},
        "value_range": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2,
                        "maxItems": 2},
    }

    def __init__(self, model, steps=200, learning_rate=0.01, c=10.0, beta=0.01, margin=0.1,
                 value_range=None, bisection_steps=12, **kwargs):
        super().__init__(model, **kwargs)
        self.steps, self.learning_rate = int(steps), float(learning_rate)
        self.c, self.beta, self.margin = float(c), float(beta), float(margin)
        self.value_range = tuple(value_range) if value_range is not None else None
        self.bisection_steps = int(bisection_steps)
        self.logits = keras.Model(self.model.input, logits_tensor(self.model))
        self._step = tf.function(self._gradient, reduce_retracing=True)
        self._logits = compiled_forward(self.logits)

    def passes_per_map(self):
        return self.steps + 1

    def _clip(self, x):
        return x if self.value_range is None else tf.clip_by_value(x, *self.value_range)

    def _gradient(self, x, delta, classes):
        axes = list(range(1, len(x.shape)))
        with tf.GradientTape() as tape:
            tape.watch(delta)
            logits = self.logits(self._clip(x + delta), training=False)
            target = tf.gather(logits, classes, batch_dims=1)
            others = tf.reduce_max(logits - 1e9 * tf.one_hot(classes, logits.shape[-1]), axis=1)
            hinge = tf.nn.relu(others - target + self.margin)
            cost = self.beta * tf.reduce_sum(tf.abs(delta), axes) + tf.reduce_sum(delta**2, axes)
            loss = tf.reduce_sum(self.c * hinge + cost)
        flipped = tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), classes)
        return tape.gradient(loss, delta), cost, flipped

    def _predicts(self, x, classes):
        return self._logits(tf.constant(self._clip(x))).numpy().argmax(axis=1) == classes

    def search(self, x, classes):
        """(best change, success) for a batch; Adam on the change, keeping the cheapest
        change that reaches the class."""
        delta = np.zeros_like(x)
        m, v = np.zeros_like(x), np.zeros_like(x)
        best, best_cost = np.zeros_like(x), np.full(len(x), np.inf)
        b1, b2 = 0.9, 0.999
        x_t, classes_t = tf.constant(x), tf.constant(classes)
        for step in range(1, self.steps + 2):  # the last evaluation only checks the final change
            grad, cost, flipped = self._step(x_t, tf.constant(delta), classes_t)
            cost, flipped = cost.numpy(), flipped.numpy()
            better = flipped & (cost < best_cost)
            best[better], best_cost[better] = delta[better], cost[better]
            if step > self.steps:
                break
            grad = grad.numpy()
            m = b1 * m + (1 - b1) * grad
            v = b2 * v + (1 - b2) * grad**2
            delta = delta - self.learning_rate * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + 1e-8)
        return best, np.isfinite(best_cost)

    def shrink(self, x, delta, classes, success):
        """The smallest factor a in [0, 1] (by bisection) for which x + a * delta still
        predicts the class."""
        shape = (-1, *([1] * (x.ndim - 1)))
        low, high = np.zeros(len(x)), np.where(success, 1.0, 0.0)
        for _ in range(self.bisection_steps):
            middle = (low + high) / 2
            ok = self._predicts(x + middle.reshape(shape) * delta, classes) & success
            high = np.where(ok, middle, high)
            low = np.where(ok, low, middle)
        return (high.reshape(shape) * delta).astype(np.float32)

    def explain_batch(self, x, targets):
        classes = most_likely_other(self.predict(x), targets)
        delta, success = self.search(x, classes)
        delta = self.shrink(x, delta, classes, success)
        counterfactual = np.asarray(self._clip(x + delta))
        maps = np.abs(counterfactual - x).sum(axis=-1)
        return maps, {"counterfactual_class": classes, "counterfactual_success": success,
                      "edit_size": (counterfactual != x).reshape(len(x), -1).sum(axis=1),
                      "counterfactual_input": counterfactual}
