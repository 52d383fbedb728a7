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
