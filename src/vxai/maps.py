"""Operations on explanation maps shared by the methods, the metrics and the figures."""

import numpy as np


def normalize01(maps):
    """Per-sample min-max scaling of (n, ...) maps to [0, 1]; constant maps become zeros."""
    maps = np.asarray(maps, dtype=np.float32)
    flat = maps.reshape(len(maps), -1)
    if flat.size == 0:
        return maps
    low, span = flat.min(axis=1, keepdims=True), np.ptp(flat, axis=1, keepdims=True)
    scaled = np.divide(flat - low, span, out=np.zeros_like(flat), where=span > 0)
    return scaled.reshape(maps.shape)


def by_peak(maps):
    """(n, features) float64 maps divided by their largest absolute value (Quantus'
    `normalise_by_max`); all-zero maps stay zero."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    peak = np.abs(flat).max(axis=1, keepdims=True)
    return np.divide(flat, peak, out=np.zeros_like(flat), where=peak > 0)


def descending_ranks(maps):
    """(n, features) rank of every feature by decreasing map value, ties by position: the
    order in which removal metrics take the features."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    order = np.argsort(-flat, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(flat.shape[1])[None].repeat(len(flat), axis=0),
                      axis=1)
    return ranks
