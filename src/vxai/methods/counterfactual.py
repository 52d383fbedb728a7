"""Counterfactual explanations: the smallest change to the input that makes the model
predict another class; the map is the size of that change."""

import numpy as np
import tensorflow as tf
import keras

from vxai.errors import UserError
from vxai.methods.base import Explainer, upsample
from vxai.methods.cam import check_linear_head
from vxai.methods.registry import register
from vxai.models.graph import head_after, logits_tensor, resolve_layer
from vxai.models.loading import compiled_forward


def most_likely_other(probs, targets):
    """Per row of class probabilities, the most likely class other than `targets`."""
    probs = np.array(probs, dtype=np.float64)
    probs[np.arange(len(probs)), targets] = -np.inf
    return probs.argmax(axis=1).astype(np.int32)


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


def _cells(features, cell_size):
    """(n, *spatial, k) -> (n, cells, positions per cell, k): blocks of `cell_size`
    positions per spatial axis, in row-major order."""
    n, *spatial, k = features.shape
    grid = [s // cell_size for s in spatial]
    blocks = features.reshape(n, *[d for g in grid for d in (g, cell_size)], k)
    rank = len(spatial)
    order = [0, *range(1, 2 * rank, 2), *range(2, 2 * rank + 1, 2), 2 * rank + 1]
    return blocks.transpose(order).reshape(n, int(np.prod(grid)), cell_size**rank, k)


def _uncells(cells, spatial, cell_size):
    """The inverse of `_cells`."""
    n, _, _, k = cells.shape
    grid = [s // cell_size for s in spatial]
    rank = len(spatial)
    blocks = cells.reshape(n, *grid, *([cell_size] * rank), k)
    order = [0, *[a for axis in range(rank) for a in (1 + axis, 1 + rank + axis)], 2 * rank + 1]
    return blocks.transpose(order).reshape(n, *spatial, k)


@register(
    "cve",
    family="counterfactual",
    display="Counterfactual visual explanation",
    gap=(
        "Shows which regions of the input would have to look like those of a real sample of "
        "another class for the decision to change, instead of a synthetic change."
    ),
    how=(
        "Replaces cells of a feature map of the input by cells of the most confidently "
        "classified test sample of the second most likely class, greedily, the swap that "
        "raises that class most first, until the model predicts it; the map shows the "
        "replaced cells, earlier edits brighter."
    ),
    reference="goyal2019counterfactual",
)
class CounterfactualVisualExplanation(Explainer):
    """Counterfactual visual explanations (Goyal et al. 2019): the fewest swaps of spatial
    cells of the `layer` feature map (blocks of `cell_size` positions per axis), query cells
    replaced by distractor cells (each cell used once, as the paper's permutation), that
    make the model predict c', the most likely class other than the explained one. The
    distractor is the test sample of class c' the model gives the highest probability of
    c' (`fit` on the test split, or `fit_samples` evenly spaced samples of it; of all of
    them if none is of class c'). Greedy search, each step the swap that maximizes
    log p(c'): when the layers after `layer` are linear, every swap's effect on the logits
    is precomputed by one matrix product, which makes the search exact and cheap; otherwise
    the head runs on every candidate swap (the paper's exhaustive search). Map: the swapped
    query cells, value (edits - order) / edits (first edit 1), upsampled bilinearly.
    Extras: c', the distractor id, the number of swaps (edit_size), whether the decision
    flipped (counterfactual_success), and the query and distractor cells in edit order (-1
    padded)."""

    fit_split = "test"
    cost_kind = "forward"  # one pass to the layer; the swaps cost no model pass on a linear head
    parameter_schema = {
        "layer": {"type": ["string", "null"],
                  "description": "feature layer; null for the last layer with a spatial output"},
        "max_edits": {"type": ["integer", "null"], "minimum": 1},
        "fit_samples": {"type": ["integer", "null"], "minimum": 1},
    }

    def __init__(self, model, layer=None, cell_size=1, max_edits=None, fit_samples=None,
                 **kwargs):
        super().__init__(model, **kwargs)
        self.layer = resolve_layer(self.model, layer).name
        self.cell_size = int(cell_size)
        self.max_edits = None if max_edits is None else int(max_edits)
        self.fit_samples = None if fit_samples is None else int(fit_samples)
        output = self.model.get_layer(self.layer).output
        self.spatial = tuple(output.shape[1:-1])
        if any(s % self.cell_size for s in self.spatial):
            raise UserError(
                f"cve: cell_size {self.cell_size} does not divide the spatial size "
                f"{self.spatial} of layer '{self.layer}'; choose a divisor")
        self._features = compiled_forward(keras.Model(self.model.input, output))
        self.head = head_after(self.model, self.layer)
        self._head = compiled_forward(self.head)
        try:
            check_linear_head(self.model, self.layer)
            self.linear = True
        except UserError:
            self.linear = False
        if self.linear:  # logits = bias + sum(weights * features), exactly
            zeros = tf.zeros((1, *output.shape[1:]))
            with tf.GradientTape() as tape:
                tape.watch(zeros)
                logits = self.head(zeros, training=False)
            jacobian = tape.jacobian(logits, zeros).numpy()[0, :, 0]  # (classes, *spatial, k)
            self.bias = logits.numpy()[0]
            self.weights = _cells(jacobian, self.cell_size)  # (classes, cells, positions, k)

    def passes_per_map(self):
        return 1

    def fit(self, x, y, ids):
        """Pick, for every class, the sample of that class the model is most confident of
        (of all samples, for a class the split lacks)."""
        probs = self.predict(x)
        self.distractors = {}
        for c in range(probs.shape[1]):
            members = np.flatnonzero(y == c)
            members = members if members.size else np.arange(len(y))
            best = members[np.argmax(probs[members, c])]
            self.distractors[c] = (str(ids[best]), x[best])
        super().fit(x, y, ids)

    def _feature_cells(self, x):
        return _cells(self._features(tf.constant(x)).numpy(), self.cell_size)

    def _swap_logits(self, distractor, swapped, placed):
        """Logits (cells, cells, classes) after swapping each query cell g for distractor
        cell h, on top of the query's current cells (`swapped`); for a linear head,
        `placed[g, h]` is what distractor cell h adds to the logits at cell g."""
        if self.linear:
            current = np.einsum("cgok,gok->gc", self.weights, swapped)
            return self.bias + current.sum(axis=0) - current[:, None, :] + placed
        g = len(swapped)
        out = np.empty((g, g, self.head.output_shape[-1]), np.float32)
        for cell in range(g):
            candidates = np.repeat(swapped[None], g, axis=0)
            candidates[:, cell] = distractor
            maps = _uncells(candidates, self.spatial, self.cell_size)
            out[cell] = np.concatenate([
                self._head(tf.constant(maps[s : s + self.batch_size])).numpy()
                for s in range(0, g, self.batch_size)])
        return out

    def search(self, query, distractor, counter_class):
        """Greedy swaps (query cells, distractor cells) until the model predicts
        `counter_class`; returns them and whether it does."""
        swapped = query.copy()
        cells = len(query)
        free_query, free_distractor = np.ones(cells, bool), np.ones(cells, bool)
        edits_query, edits_distractor = [], []
        limit = cells if self.max_edits is None else min(cells, self.max_edits)
        flipped = False
        placed = np.einsum("cgok,hok->ghc", self.weights, distractor) if self.linear else None
        while len(edits_query) < limit:
            logits = self._swap_logits(distractor, swapped, placed)
            log_p = logits[..., counter_class] - np.logaddexp.reduce(logits, axis=-1)
            log_p[~free_query] = -np.inf
            log_p[:, ~free_distractor] = -np.inf
            g, h = np.unravel_index(np.argmax(log_p), log_p.shape)
            swapped[g] = distractor[h]
            free_query[g] = free_distractor[h] = False
            edits_query.append(g)
            edits_distractor.append(h)
            if logits[g, h].argmax() == counter_class:
                flipped = True
                break
        return edits_query, edits_distractor, flipped

    def explain_batch(self, x, targets):
        counter = most_likely_other(self.predict(x), targets)
        queries = self._feature_cells(x)
        distractors = {c: self._feature_cells(self.distractors[c][1][None])[0]
                       for c in set(counter.tolist())}
        cells = queries.shape[1]
        grid = [s // self.cell_size for s in self.spatial]
        maps = np.zeros((len(x), cells), np.float32)
        order_query = np.full((len(x), cells), -1, np.int32)
        order_distractor = np.full((len(x), cells), -1, np.int32)
        edits, flipped = np.zeros(len(x), np.int32), np.zeros(len(x), bool)
        for i, c in enumerate(counter):
            query_cells, distractor_cells, flipped[i] = self.search(
                queries[i], distractors[c], c)
            n = edits[i] = len(query_cells)
            maps[i, query_cells] = (n - np.arange(n)) / n
            order_query[i, :n], order_distractor[i, :n] = query_cells, distractor_cells
        layer_maps = _uncells(maps.reshape(len(x), cells, 1, 1).repeat(
            self.cell_size ** len(grid), axis=2), self.spatial, self.cell_size)[..., 0]
        maps = np.asarray(upsample(layer_maps, tuple(self.model.input_shape[1:-1])))
        return maps, {"counterfactual_class": counter,
                      "distractor": np.array([self.distractors[c][0] for c in counter]),
                      "edit_size": edits, "counterfactual_success": flipped,
                      "edit_query_cells": order_query, "edit_distractor_cells": order_distractor}


def penultimate_features(model):
    """The symbolic input of the Dense layer that makes the logits."""
    last = model.layers[-1]
    if isinstance(last, (keras.layers.Activation, keras.layers.Softmax)):
        last = model.layers[-2]
    if not isinstance(last, keras.layers.Dense):
        raise UserError(f"deduce: model '{model.name}' does not end in a Dense layer "
                        f"('{last.name}' is {type(last).__name__}); it needs the Dense "
                        "layer's input as the penultimate features")
    return last.input


@register(
    "deduce",
    family="counterfactual",
    display="DeDUCE",
    gap=(
        "Changes as few input values as possible and keeps the result where the training "
        "data's features lie, so the counterfactual stays a plausible input."
    ),
    how=(
        "Moves the few input values with the largest gradient towards the most likely other "
        "class, a step at a time, the gradient including a class-conditional Gaussian "
        "density of the penultimate features fitted on the training split, until the model "
        "gives that class the configured probability; the map is how much each value moved."
    ),
    reference="hoeltgen2021deduce",
)
class DeDUCE(Explainer):
    """DeDUCE-style counterfactuals (Hoeltgen et al. 2021). `fit` fits one Gaussian per
    class (scikit-learn GaussianMixture with one component, full covariance plus
    `reg_covar`) to the penultimate-layer features of at most `fit_samples` training
    samples. For the counterfactual class t (the most likely class other than the explained
    one), each step moves the `fraction` of input values (at least one) with the largest
    |gradient| of log p(t | x) + density_weight * log N(features(x); mu_t, Sigma_t) / dims by
    `step_size` in the gradient's sign (clipped to `value_range`), until p(t | x) >=
    `confidence` and t is predicted, or for at most `max_steps` steps. Map: |x' - x| summed
    over channels. Extras: t, success, the number of changed input values (edit_size), and
    the log-density of the features under the fitted class mixture before and after."""

    fit_split = "train"
    parameter_schema = {
        "confidence": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "step_size": {"type": "number", "exclusiveMinimum": 0},
        "density_weight": {"type": "number", "minimum": 0},
        "reg_covar": {"type": "number", "exclusiveMinimum": 0},
        "fit_samples": {"type": ["integer", "null"], "minimum": 2},
        "value_range": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2,
                        "maxItems": 2},
    }

    def __init__(self, model, confidence=0.5, fraction=0.01, step_size=0.1, max_steps=100,
                 density_weight=10.0, reg_covar=0.1, fit_samples=1000, value_range=None,
                 **kwargs):
        super().__init__(model, **kwargs)
        self.confidence, self.fraction = float(confidence), float(fraction)
        self.step_size, self.max_steps = float(step_size), int(max_steps)
        self.density_weight, self.reg_covar = float(density_weight), float(reg_covar)
        self.fit_samples = None if fit_samples is None else int(fit_samples)
        self.value_range = tuple(value_range) if value_range is not None else None
        features = keras.layers.Flatten(name="deduce_features")(penultimate_features(self.model))
        self.graph = keras.Model(self.model.input, [features, logits_tensor(self.model)])
        self._features = compiled_forward(lambda x, training: self.graph(x, training=training)[0])
        self._step = tf.function(self._gradient, reduce_retracing=True)

    def passes_per_map(self):
        return self.max_steps

    def features(self, x):
        """Penultimate features (n, dims), float64, `batch_size` inputs at a time."""
        return np.concatenate([self._features(tf.constant(x[s : s + self.batch_size])).numpy()
                               for s in range(0, len(x), self.batch_size)]).astype(np.float64)

    def fit(self, x, y, ids):
        """Fit the class-conditional Gaussians to the penultimate features of `x`."""
        from sklearn.mixture import GaussianMixture

        features = self.features(x)
        classes = self.model.output_shape[-1]
        self.gaussians = []
        for c in range(classes):
            members = features[y == c]
            if len(members) < 2:
                raise UserError(f"deduce: the training split has {len(members)} sample(s) of "
                                f"class {c}; a class density needs at least 2")
            self.gaussians.append(GaussianMixture(1, covariance_type="full", reg_covar=self.reg_covar,
                                                  random_state=0).fit(members))
        self.log_prior = np.log(np.bincount(y, minlength=classes) / len(y))
        self.means = tf.constant(np.stack([g.means_[0] for g in self.gaussians]), tf.float32)
        self.cholesky = tf.constant(np.stack([g.precisions_cholesky_[0] for g in self.gaussians]),
                                    tf.float32)
        self.log_norm = tf.constant([np.log(np.diag(g.precisions_cholesky_[0])).sum()
                                     - 0.5 * features.shape[1] * np.log(2 * np.pi)
                                     for g in self.gaussians], tf.float32)
        super().fit(x, y, ids)

    def class_log_density(self, features, classes):
        """log N(features; mu_c, Sigma_c) for each row's class c."""
        centred = features - tf.gather(self.means, classes)
        projected = tf.einsum("nd,nde->ne", centred, tf.gather(self.cholesky, classes))
        return tf.gather(self.log_norm, classes) - 0.5 * tf.reduce_sum(projected**2, axis=1)

    def log_density(self, x):
        """log of the class mixture's density (priors from the fitted labels) at x's features."""
        features = self.features(x)
        per_class = np.stack([g.score_samples(features) for g in self.gaussians], 1)
        return np.logaddexp.reduce(per_class + self.log_prior, axis=1)

    def _gradient(self, x, classes):
        with tf.GradientTape() as tape:
            tape.watch(x)
            features, logits = self.graph(x, training=False)
            log_p = tf.gather(tf.nn.log_softmax(logits), classes, batch_dims=1)
            density = self.class_log_density(features, classes) / features.shape[-1]
            objective = tf.reduce_sum(log_p + self.density_weight * density)
        return tape.gradient(objective, x), tf.exp(log_p), tf.argmax(logits, axis=1,
                                                                        output_type=tf.int32)

    def search(self, x, classes):
        """(counterfactual inputs, success) for a batch and its counterfactual classes."""
        current = x.copy()
        flat = current.reshape(len(x), -1)
        k = max(1, round(self.fraction * flat.shape[1]))
        done = np.zeros(len(x), bool)
        for _ in range(self.max_steps + 1):
            grad, p, predicted = self._step(tf.constant(current), tf.constant(classes))
            done |= (p.numpy() >= self.confidence) & (predicted.numpy() == classes)
            if done.all():
                break
            grad = grad.numpy().reshape(len(x), -1)
            picked = np.argpartition(-np.abs(grad), k - 1, axis=1)[:, :k]  # the k largest
            moves = self.step_size * np.sign(np.take_along_axis(grad, picked, axis=1))
            moves[done] = 0.0
            np.put_along_axis(flat, picked, np.take_along_axis(flat, picked, axis=1) + moves, axis=1)
            if self.value_range is not None:
                np.clip(flat, *self.value_range, out=flat)
        return current, done

    def explain_batch(self, x, targets):
        classes = most_likely_other(self.predict(x), targets)
        current, done = self.search(x, classes)
        change = current - x
        return np.abs(change).sum(axis=-1), {
            "counterfactual_class": classes, "counterfactual_success": done,
            "edit_size": (change.reshape(len(x), -1) != 0).sum(axis=1),
            "log_density_original": self.log_density(x),
            "log_density_counterfactual": self.log_density(current)}
