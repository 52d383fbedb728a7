"""Counterfactual visual explanations (Goyal et al. 2019): cells of a distractor's feature map
swapped in until the prediction changes."""

import numpy as np
import tensorflow as tf
import keras

from vxai.errors import UserError
from vxai.methods.base import Explainer, upsample
from vxai.methods.counterfactual.base import most_likely_other
from vxai.methods.registry import register
from vxai.models.graph import check_linear_head, head_after, resolve_layer
from vxai.models.loading import compiled_forward


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
    diagnostics={
        "counterfactual_success": [
            "counterfactual success",
            "share",
            "share of samples whose search reached the other class",
        ],
        "edit_size": [
            "edit size",
            "count",
            "mean number of swapped feature-map cells",
        ],
    },
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
            check_linear_head(self.model, self.layer, "cve")
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
