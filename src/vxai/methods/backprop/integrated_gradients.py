"""Integrated Gradients (Sundararajan et al. 2017): gradients along the path from a baseline."""

import numpy as np

from vxai.methods.backprop.base import GradientExplainer
from vxai.methods.registry import register


@register(
    "integrated_gradients",
    family="backprop",
    display="Integrated Gradients",
    budget="steps",
    gap="Gradients violate sensitivity and completeness; IG satisfies both axioms.",
    how=(
        "Averages gradients along the straight path from a constant baseline to the input "
        "(trapezoidal rule) and multiplies by the input difference; the map's sum matches "
        "the score difference up to the stored completeness error."
    ),
    reference="sundararajan2017ig",
    diagnostics={
        "completeness_error": [
            "completeness error",
            "error",
            "mean |sum of the map - (S(x) - S(baseline))|",
        ],
    },
)
class IntegratedGradients(GradientExplainer):
    """Integrated Gradients (Sundararajan et al. 2017) on the class logit, trapezoidal rule
    over `steps` intervals from a constant `baseline`; the map sums attributions over
    channels. Extras: the completeness error |sum(attr) - (S_c(x) - S_c(baseline))| and
    that difference."""

    def __init__(self, model, steps=64, baseline=0.0, **kwargs):
        super().__init__(model, **kwargs)
        self.steps = int(steps)
        self.baseline = float(baseline)

    def passes_per_map(self):
        return self.steps + 1

    def explain_batch(self, x, targets):
        n = len(x)
        baseline = np.full_like(x, self.baseline)
        alphas = np.linspace(0.0, 1.0, self.steps + 1, dtype=np.float32)
        weights = np.full(self.steps + 1, 1.0 / self.steps, dtype=np.float32)
        weights[[0, -1]] /= 2  # trapezoidal rule
        total = np.zeros_like(x)
        scores = np.zeros((len(alphas), n), dtype=np.float32)
        per_chunk = max(1, self.batch_size // max(n, 1))
        for start in range(0, len(alphas), per_chunk):
            chunk = alphas[start : start + per_chunk]
            path = baseline[None] + chunk.reshape(-1, *[1] * x.ndim) * (x - baseline)[None]
            grads, score = self.gradients(path.reshape(-1, *x.shape[1:]), np.tile(targets, len(chunk)))
            grads = grads.reshape(len(chunk), *x.shape)
            total += np.tensordot(weights[start : start + per_chunk], grads, axes=1)
            scores[start : start + len(chunk)] = score.reshape(len(chunk), n)
        attributions = (x - baseline) * total
        delta = scores[-1] - scores[0]
        error = np.abs(attributions.reshape(n, -1).sum(axis=1) - delta)
        return attributions.sum(axis=-1), {"completeness_error": error, "score_difference": delta}
