"""Random-logit (Sixt et al. 2020): how much the map of the predicted class resembles the
map of a random other class. A map that explains the class, and not only the input, changes
with it: lower is better."""

import numpy as np
from scipy.stats import spearmanr
from skimage.metrics import structural_similarity

from vxai.data.inputs import subset_indices
from vxai.maps import by_peak

METRIC = {
    "title": "random-logit",
    "config": "random_logit",
    "columns": {"random_logit": ["random-logit", "lower"]},
    "criterion": "randomization",
    "cost": "explain",
    "interval": True,
    "order": 60,
    "reference": "sixt2020explanations",
    "about": ("The similarity (SSIM on images, Spearman on signals) between the map of the "
              "predicted class and the map of a random other class, explained again with the "
              "same seed. A map that ignores the class scores high, so lower is better."),
}


def other_classes(rng, classes, n_classes):
    """A class drawn uniformly from the classes other than each sample's own."""
    draw = rng.integers(0, n_classes - 1, size=len(classes))
    return draw + (draw >= classes)


def similarity(a, b):
    """Per-sample similarity of two stacks of maps, each divided by its largest absolute value
    (as Quantus normalises): SSIM on 2-D maps (7 x 7 window, data range of the pair, as
    Quantus' `ssim`), Spearman's rank correlation on 1-D maps. Equal maps score 1; a
    constant map has no rank correlation with another map (NaN), but an SSIM."""
    a, b = np.asarray(a), np.asarray(b)
    spatial = a.shape[1:]
    a, b = by_peak(a), by_peak(b)
    scores = np.full(len(a), np.nan)
    for i, (first, second) in enumerate(zip(a, b)):
        if np.array_equal(first, second):
            scores[i] = 1.0
        elif len(spatial) == 1:
            if np.ptp(first) > 0 and np.ptp(second) > 0:
                scores[i] = spearmanr(first, second).statistic
        else:
            both = np.concatenate([first, second])
            scores[i] = structural_similarity(first.reshape(spatial), second.reshape(spatial),
                                              data_range=float(np.ptp(both)))
    return scores


def random_logit(explain, x, maps, other):
    """Similarity between `maps` (of the predicted classes) and `explain(x, other)`, the maps
    of the classes `other`."""
    return similarity(maps, explain(x, other))


def score(job, settings, table):
    """Random-logit on `samples` evenly spaced samples, each against a seeded random other
    class."""
    picked = subset_indices(len(job.x), settings["samples"])
    other = other_classes(np.random.default_rng(job.seed_for("random_logit")),
                          job.classes[picked], job.probs.shape[1])
    table["random_logit"] = np.nan
    table.loc[picked, "random_logit"] = random_logit(job.explain, job.x[picked],
                                                     job.maps["maps"][picked], other)
