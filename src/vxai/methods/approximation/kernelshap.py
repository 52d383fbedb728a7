"""KernelSHAP (Lundberg and Lee 2017): Shapley values of the segments from the Shapley kernel
regression."""

import math
from functools import lru_cache

import numpy as np

from vxai.methods.approximation.base import SurrogateExplainer
from vxai.methods.registry import register


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
    diagnostics={
        "efficiency_error": [
            "efficiency error",
            "error",
            "mean |sum of the segment values - (p(x) - p(baseline))|",
        ],
    },
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
