"""Masked copies of the input scored with the model's class score, one batch of masks at a
time: the shared work of RISE and occlusion."""

import numpy as np
import tensorflow as tf

from vxai.methods.base import Explainer
from vxai.methods.streaming import MaskedScores
from vxai.models.graph import scored_model


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
