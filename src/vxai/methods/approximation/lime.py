"""LIME (Ribeiro et al. 2016): a weighted ridge surrogate on random segment coalitions."""

import numpy as np
from sklearn.linear_model import Ridge

from vxai.methods.approximation.base import SurrogateExplainer
from vxai.methods.registry import register


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
