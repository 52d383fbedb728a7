"""Reproducibility: a stochastic method's map is an explanation only when an independent seed
gives the same map. Per sample, Spearman's rank correlation between the stored map and the
map of a second seed (higher is better); a method that draws no random numbers scores 1 by
construction. A constant map has no ranks (NaN): the model gave the method nothing to read,
and the sample counts as unexplained."""

import numpy as np

from vxai.metrics.sanity import rank_correlations

# the mean Spearman of two seeds' maps from which a map counts as an explanation
REPRODUCIBLE = 0.9


def reproducibility(explain_again, x, maps, targets, stochastic):
    """Per-sample Spearman of `maps` (of `targets`) with `explain_again(x, targets)`, the
    maps under another seed; ones when the method is not `stochastic`."""
    if not stochastic:
        return np.ones(len(x))
    return rank_correlations(maps, explain_again(x, targets), absolute=False)


def unexplained(maps):
    """Per sample, True where the map is constant: it ranks no feature above another."""
    flat = np.asarray(maps).reshape(len(maps), -1)
    return np.ptp(flat, axis=1) == 0 if flat.shape[1] else np.ones(len(flat), bool)
