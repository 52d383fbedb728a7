"""Deletion and insertion curves (Petsiuk et al. 2018) and their areas.

Features are taken in order of decreasing map value (ties by position). Deletion sets them
to zero in all channels, one step at a time; insertion copies them from the input into a
start input (a zero signal, or a blurred image). The curve is the predicted class's
probability against the fraction of features removed or inserted; its area is the
trapezoidal integral over [0, 1]. A faithful map gives a low deletion and a high insertion
area.
"""

import math

import numpy as np

from vxai.data.inputs import subset_indices
from vxai.maps import descending_ranks

METRIC = {
    "title": "deletion/insertion curves",
    "config": "curves",
    "columns": {"deletion_auc": ["deletion AUC", "lower"],
                "insertion_auc": ["insertion AUC", "higher"]},
    "criterion": "faithfulness",
    "cost": "forward",
    "interval": False,
    "order": 20,
    "reference": "petsiuk2018rise",
    "figure": "mean deletion and insertion curves per method.",
    "about": ("Features are removed (deletion: set to zero) or inserted (insertion: copied into "
              "a zero signal or a blurred image) in order of decreasing map value, one step at "
              "a time; the curve is the predicted class's probability against the fraction "
              "moved, and its area is the trapezoidal integral. A faithful map gives a low "
              "deletion and a high insertion area."),
}


def blurred(x, sigma):
    """Gaussian-blurred copies of inputs (n, *spatial, channels) over the spatial axes:
    signals along their length, images over height and width."""
    from scipy.ndimage import gaussian_filter

    spatial = (sigma,) * (x.ndim - 2)
    return np.stack([gaussian_filter(one, sigma=(*spatial, 0)) for one in x]).astype(x.dtype)


def curve_points(n_features, step):
    """Numbers of features changed at each point: 0, step*n, 2*step*n, ..., n."""
    n_steps = max(1, math.ceil(1 / step))
    return np.unique(np.round(np.linspace(0, n_features, n_steps + 1)).astype(int))


def deletion_insertion(predict, x, maps, classes, step, start, batch_size=64, probs=None):
    """(deletion, insertion, fractions): per-sample curves (n, points) of the class
    probability and the fractions of features changed at each point. The end points need
    no map: the input itself (its probabilities `probs`, if already known), the start input,
    and the all-zero input; only the points in between are predicted per map."""
    n = len(x)
    flat_maps = np.asarray(maps, dtype=np.float64).reshape(n, -1)
    n_features = flat_maps.shape[1]
    points = curve_points(n_features, step)
    rank = descending_ranks(flat_maps)
    samples = np.arange(n)
    full = (predict(x) if probs is None else probs)[samples, classes]
    deletion, insertion = np.zeros((n, len(points))), np.zeros((n, len(points)))
    deletion[:, 0], insertion[:, -1] = full, full
    deletion[:, -1] = predict(np.zeros_like(x[:1]))[0, classes]
    insertion[:, 0] = predict(start)[samples, classes]
    flat_x = x.reshape(n, n_features, -1)
    flat_start = start.reshape(n, n_features, -1)
    jobs = [(i, j) for i in range(n) for j in range(1, len(points) - 1)]
    for begin in range(0, len(jobs), batch_size):
        rows, columns = np.array(jobs[begin : begin + batch_size]).T
        changed = rank[rows] < points[columns][:, None]  # (chunk, features)
        deleted = np.where(changed[..., None], 0, flat_x[rows])
        inserted = np.where(changed[..., None], flat_x[rows], flat_start[rows])
        batch = np.concatenate([deleted, inserted]).reshape(2 * len(rows), *x.shape[1:])
        chunk_probs = predict(batch.astype(x.dtype))
        within = np.arange(len(rows))
        deletion[rows, columns] = chunk_probs[within, classes[rows]]
        insertion[rows, columns] = chunk_probs[len(rows) + within, classes[rows]]
    return deletion, insertion, points / n_features


def area(curves, fractions):
    """Trapezoidal area under each curve over the fractions axis."""
    return np.trapezoid(curves, fractions, axis=1)


def score(job, settings, table):
    """Deletion and insertion areas on `samples` evenly spaced samples; the curves to store."""
    picked = subset_indices(len(job.x), settings["samples"])
    xs = job.x[picked]
    sigma = settings["blur_sigma"]
    start = blurred(xs, sigma) if sigma and xs.ndim == 4 else np.zeros_like(xs)
    deletion, insertion, fractions = deletion_insertion(
        job.predict, xs, job.maps["maps"][picked], job.classes[picked], settings["step"], start,
        job.batch_size, job.probs[picked])
    table["deletion_auc"], table["insertion_auc"] = np.nan, np.nan
    table.loc[picked, "deletion_auc"] = area(deletion, fractions)
    table.loc[picked, "insertion_auc"] = area(insertion, fractions)
    return {"positions": picked, "fractions": fractions, "deletion": deletion,
            "insertion": insertion}
