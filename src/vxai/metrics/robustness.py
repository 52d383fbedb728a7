"""Robustness of a map to small input noise: max- and avg-sensitivity (Yeh et al. 2019)."""

import numpy as np

from vxai.maps import by_peak


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
