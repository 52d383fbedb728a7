"""How concentrated is a map? Two complexity metrics of the absolute map, per sample, as
Quantus defines them (the tests compare with Quantus 0.6)."""

import numpy as np

from vxai.maps import by_peak

METRIC = {
    "title": "sparseness and complexity",
    "config": None,
    "columns": {"sparseness": ["sparseness", "higher"], "complexity": ["complexity", "lower"]},
    "criterion": "complexity",
    "cost": "maps",
    "interval": True,
    "order": 90,
    "reference": "chalasani2020concise",
    "about": ("Sparseness is the Gini index of the absolute map (higher is sparser); complexity "
              "is the entropy of the absolute map as a distribution over features (Bhatt et al. "
              "2020), from 0 to ln n, lower is simpler. Neither looks at the model: they say "
              "how readable a map is, not whether it is right."),
}


def sparseness(maps):
    """Gini index of |map| (Chalasani et al. 2020): 0 when every feature weighs the same,
    near 1 when one feature holds all of it. Higher is sparser."""
    flat = np.sort(np.abs(by_peak(maps)) + 1e-7, axis=1)  # Quantus' offset: all-zero maps give 0
    n = flat.shape[1]
    weights = 2 * np.arange(1, n + 1) - n - 1
    return (flat * weights).sum(axis=1) / (n * flat.sum(axis=1))


def complexity(maps):
    """Entropy (nats) of |map| as a distribution over features (Bhatt et al. 2020): ln(n)
    when every feature weighs the same, 0 when one feature holds all of it. Lower is
    simpler. An all-zero map is NaN."""
    flat = np.abs(by_peak(maps))
    total = flat.sum(axis=1, keepdims=True)
    share = np.divide(flat, total, out=np.full_like(flat, np.nan), where=total > 0)
    return -(share * np.log(share + 1e-12)).sum(axis=1)


def score(job, settings, table):
    """Sparseness and complexity of the stored maps."""
    table["sparseness"], table["complexity"] = sparseness(job.maps["maps"]), complexity(job.maps["maps"])
