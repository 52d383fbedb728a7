"""Nemenyi's critical difference of mean ranks and the groups a critical-difference diagram
joins (Demsar 2006); plain NumPy and SciPy, so that the figures can draw them."""

import numpy as np
from scipy.stats import studentized_range

ALPHA = 0.05  # the level of every test in the pipeline (vxai.statistics.comparison.ALPHA)


def critical_difference(k, n, alpha=ALPHA):
    """Nemenyi's critical difference of mean ranks for k methods over n samples."""
    q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(k * (k + 1) / (6 * n)))


def nemenyi_groups(names, mean_ranks, cd, friedman_p, alpha=ALPHA):
    """The bars of a critical-difference diagram: each maximal run of methods (sorted by
    mean rank) whose mean ranks differ by less than the critical difference `cd`, as lists
    of names; none when the Friedman test does not reject at `alpha` (then no difference
    is shown, Demsar 2006)."""
    if not friedman_p < alpha:
        return []
    order = np.argsort(mean_ranks, kind="stable")
    ranks = np.asarray(mean_ranks, dtype=np.float64)[order]
    runs = [(i, max(j for j in range(i, len(ranks)) if ranks[j] - ranks[i] < cd))
            for i in range(len(ranks))]
    maximal = [(i, j) for i, j in runs if j > i and not any(
        a <= i and j <= b and (a, b) != (i, j) for a, b in runs)]
    return [[names[order[k]] for k in range(i, j + 1)] for i, j in maximal]
