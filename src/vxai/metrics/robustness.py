"""Robustness of a map to small input noise: max- and avg-sensitivity (Yeh et al. 2019)."""

import numpy as np

from vxai.data.inputs import subset_indices
from vxai.maps import by_peak

METRIC = {
    "title": "max- and avg-sensitivity",
    "config": "robustness",
    "columns": {"max_sensitivity": ["max-sensitivity", "lower"],
                "avg_sensitivity": ["avg-sensitivity", "lower"]},
    "criterion": "robustness",
    "cost": "explain",
    "interval": True,
    "order": 50,
    "reference": "yeh2019sensitivity",
    "about": ("Each sample is explained again with small uniform noise added to the input, "
              "several times; max- and avg-sensitivity are the largest and the mean relative "
              "change of the map, each map divided by its largest absolute value. Methods that "
              "sample draw the same masks or noise as the stored map, so the change comes from "
              "the input noise: lower is more robust."),
}


def sensitivity(explain, x, classes, maps, draws, noise):
    """Per sample, the largest and the mean relative change ||m' - m|| / ||m|| of the map m
    (divided by its largest absolute value) when `explain(inputs, classes) -> maps` is run on
    x plus `noise(shape)` (a fresh draw for each of `draws`; uniform in a ball of the
    configured radius); NaN where the map is all zero. Returns (max, avg)."""
    reference = by_peak(maps)
    norm = np.linalg.norm(reference, axis=1)
    changes = np.empty((draws, len(x)))
    for d in range(draws):
        noisy = (x + noise(x.shape)).astype(x.dtype)
        moved = np.linalg.norm(by_peak(explain(noisy, classes)) - reference, axis=1)
        changes[d] = np.divide(moved, norm, out=np.full(len(x), np.nan), where=norm > 0)
    return changes.max(axis=0), changes.mean(axis=0)


def score(job, settings, table):
    """Max- and avg-sensitivity on `samples` evenly spaced samples against the stored maps."""
    picked = subset_indices(len(job.x), settings["samples"])
    rng, radius = np.random.default_rng(job.seed_for("robustness")), settings["radius"]
    worst, mean = sensitivity(job.explain, job.x[picked], job.classes[picked],
                              job.maps["maps"][picked], settings["draws"],
                              lambda shape: rng.uniform(-radius, radius, shape))
    for column, values in (("max_sensitivity", worst), ("avg_sensitivity", mean)):
        table[column] = np.nan
        table.loc[picked, column] = values
