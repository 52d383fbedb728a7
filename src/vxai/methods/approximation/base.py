"""Approximation-based attributions' shared work: segments (1-D: contiguous windows; 2-D: SLIC
superpixels or a square grid) switched on or off, a surrogate fitted on the scores, and
each point or pixel gets its segment's coefficient."""

import math

import numpy as np

from vxai.errors import UserError
from vxai.methods.base import Explainer
from vxai.methods.streaming import MaskedScores
from vxai.models.graph import scored_model


def segment(x, segmentation="slic", segment_size=4, n_segments=50, compactness=10.0):
    """Integer labels 0..M-1 over the spatial axes of one input (*spatial, channels)."""
    spatial = x.shape[:-1]
    if len(spatial) == 1:
        return np.arange(spatial[0]) // segment_size
    if segmentation == "grid":
        rows, cols = (np.arange(n) // segment_size for n in spatial)
        labels = rows[:, None] * math.ceil(spatial[1] / segment_size) + cols[None, :]
    elif segmentation == "slic":
        from skimage.segmentation import slic

        image = x.astype(np.float64)
        span = np.ptp(image)
        image = (image - image.min()) / span if span > 0 else np.zeros_like(image)
        labels = slic(image, n_segments=n_segments, compactness=compactness, start_label=0,
                      channel_axis=-1)
    else:
        raise UserError(f"unknown segmentation '{segmentation}'; use slic or grid")
    return np.unique(labels, return_inverse=True)[1].reshape(spatial)


class SurrogateExplainer(Explainer):
    """Segments each input, scores `samples` on/off patterns of its segments (off = set to
    `baseline`) in streamed batches (the class probability, or with `score="logit"` the class
    logit), and fits `coefficients(Z, scores)`. The patterns for M
    segments are drawn from (seed, M), so an input's map does not depend on its batch.
    `paired` draws half of the patterns and adds their complements (antithetic sampling):
    the complement of a pattern is as likely as the pattern under both methods' sampling, so
    the estimator keeps its definition and loses the variance that the two share."""

    cost_kind = "forward"  # passes counted by self.scores

    parameter_schema = {
        "segmentation": {"enum": ["slic", "grid"]},
        "compactness": {"type": "number", "exclusiveMinimum": 0},
        "score": {"enum": ["probability", "logit"]},
    }

    def __init__(self, model, samples=1000, baseline=0.0, segmentation="slic", segment_size=4,
                 n_segments=50, compactness=10.0, paired=True, score="probability", **kwargs):
        super().__init__(model, **kwargs)
        self.samples, self.baseline, self.paired = int(samples), float(baseline), bool(paired)
        self.segmentation = dict(segmentation=segmentation, segment_size=int(segment_size),
                                 n_segments=int(n_segments), compactness=float(compactness))
        self.scores = MaskedScores(scored_model(self.model, score), self.batch_size)

    def patterns(self, n_segments, rng):
        """Binary (samples, M) matrix and per-row weights."""
        raise NotImplementedError

    def draw(self, count, draw_one_set):
        """`count` patterns from `draw_one_set(k)` (a binary (k, M) matrix): with `paired`,
        count // 2 of them followed by their complements (and one more when count is odd)."""
        if not self.paired:
            return draw_one_set(count)
        half = draw_one_set(count - count // 2)
        return np.concatenate([half, 1.0 - half[: count // 2]])

    def coefficients(self, patterns, weights, scores, full, empty):
        raise NotImplementedError

    def extras(self, coefficients, full, empty):
        return {}

    def explain_one(self, x, target):
        """The map of one input and its extras."""
        labels = segment(x, **self.segmentation)
        n_segments = int(labels.max()) + 1
        patterns, weights = self.patterns(n_segments, np.random.default_rng([self.seed, n_segments]))
        rows = np.concatenate([np.ones((1, n_segments)), np.zeros((1, n_segments)), patterns])
        scores = np.concatenate([
            self.scores(x, target, rows[start : start + self.batch_size][:, labels], self.baseline)
            for start in range(0, len(rows), self.batch_size)])
        full, empty = scores[0], scores[1]
        coefficients = self.coefficients(patterns, weights, scores[2:], full, empty)
        return coefficients[labels], self.extras(coefficients, full, empty)

    def explain_batch(self, x, targets):
        results = [self.explain_one(x[i], targets[i]) for i in range(len(x))]
        extras = {key: np.array([r[1][key] for r in results]) for key in results[0][1]}
        return np.stack([r[0] for r in results]), extras
