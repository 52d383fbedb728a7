"""Approximation-based attributions: LIME and KernelSHAP fit a surrogate on segments (1-D:
contiguous windows; 2-D: SLIC superpixels or a square grid) switched on or off, and each
point or pixel gets its segment's coefficient."""

import math
from functools import lru_cache

import numpy as np
from sklearn.linear_model import Ridge

from vxai.errors import UserError
from vxai.methods.base import Explainer
from vxai.methods.registry import register
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


@register(
    "lime",
    family="approximation",
    display="LIME",
    budget="samples",
    stochastic=True,
    gap="Explains any model by a local linear surrogate on interpretable features.",
    how=(
        "Switches segments (windows in 1-D, superpixels or a grid in 2-D) on and off, "
        "weights the samples by an exponential kernel on their cosine distance to the "
        "input, fits a weighted ridge regression and paints each segment with its "
        "coefficient."
    ),
    reference="ribeiro2016lime",
)
class LIME(SurrogateExplainer):
    """LIME (Ribeiro et al. 2016): the first pattern keeps every segment, the rest keep each
    with probability 1/2; weights exp(-d^2 / (2 width^2)) with d the cosine distance between
    the pattern and all-ones; weighted ridge regression (`alpha`) with an intercept."""

    parameter_schema = {
        "kernel_width": {"type": "number", "exclusiveMinimum": 0},
        "alpha": {"type": "number", "minimum": 0},
    }

    def __init__(self, model, kernel_width=0.25, alpha=1.0, **kwargs):
        super().__init__(model, **kwargs)
        self.kernel_width, self.alpha = float(kernel_width), float(alpha)

    def patterns(self, n_segments, rng):
        patterns = np.concatenate([np.ones((1, n_segments), np.float32), self.draw(
            self.samples - 1, lambda k: (rng.random((k, n_segments)) < 0.5).astype(np.float32))])
        on = patterns.sum(axis=1)
        distance = 1.0 - np.sqrt(on / n_segments)  # cosine distance to all-ones
        return patterns, np.exp(-(distance**2) / (2 * self.kernel_width**2))

    def coefficients(self, patterns, weights, scores, full, empty):
        ridge = Ridge(alpha=self.alpha, fit_intercept=True)
        ridge.fit(patterns, scores, sample_weight=weights)
        return ridge.coef_.astype(np.float32)


@lru_cache(maxsize=8)
def _all_coalitions(n_segments):
    codes = np.arange(1, 2**n_segments - 1)
    return ((codes[:, None] >> np.arange(n_segments)) & 1).astype(np.float32)


@register(
    "kernelshap",
    family="approximation",
    display="KernelSHAP",
    budget="samples",
    stochastic=True,
    gap=(
        "LIME's weights are heuristic; the Shapley kernel makes the linear surrogate "
        "recover Shapley values."
    ),
    how=(
        "Same segments; coalitions weighted by the Shapley kernel (all of them when the "
        "budget allows, then exact), least squares under the efficiency constraint that the "
        "values sum to f(x) - f(baseline)."
    ),
    reference="lundberg2017shap",
)
class KernelSHAP(SurrogateExplainer):
    """KernelSHAP (Lundberg and Lee 2017). With 2^M - 2 <= `samples` every coalition is
    used with the Shapley kernel weight (M - 1) / (C(M, s) s (M - s)), which gives the exact
    Shapley values; otherwise coalition sizes are drawn in proportion to the kernel's total
    weight per size, then members uniformly, with equal weights. The weighted least squares
    is solved under the efficiency constraint sum(phi) = f(x) - f(baseline). Extras: that
    difference and the efficiency error."""

    def patterns(self, n_segments, rng):
        if n_segments < 2:  # one segment: its value is f(x) - f(baseline), nothing to sample
            return np.zeros((0, n_segments), np.float32), np.zeros(0)
        if 2**n_segments - 2 <= self.samples:
            patterns = _all_coalitions(n_segments)
            size = patterns.sum(axis=1)
            weights = (n_segments - 1) / (np.array([math.comb(n_segments, int(s)) for s in size])
                                          * size * (n_segments - size))
            return patterns, weights
        sizes = np.arange(1, n_segments)
        per_size = (n_segments - 1) / (sizes * (n_segments - sizes))

        def coalitions(k):  # the kernel's weight is the same for a size and its complement
            drawn = rng.choice(sizes, size=k, p=per_size / per_size.sum())
            order = np.argsort(rng.random((k, n_segments)), axis=1)
            return (np.argsort(order, axis=1) < drawn[:, None]).astype(np.float32)

        return self.draw(self.samples, coalitions), np.ones(self.samples)

    def coefficients(self, patterns, weights, scores, full, empty):
        # phi_M = (full - empty) - sum(others): regress y - z_M * total on z_j - z_M
        total = full - empty
        if patterns.shape[1] == 1:
            return np.array([total], np.float32)
        y = scores - empty - patterns[:, -1] * total
        design = patterns[:, :-1] - patterns[:, -1:]
        w = np.sqrt(weights)[:, None]
        phi, *_ = np.linalg.lstsq(design * w, y * w[:, 0], rcond=None)
        return np.append(phi, total - phi.sum()).astype(np.float32)

    def extras(self, coefficients, full, empty):
        total = float(full - empty)
        return {"score_difference": total,
                "efficiency_error": abs(float(coefficients.astype(np.float64).sum()) - total)}
