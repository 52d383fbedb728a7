"""ROAD, RemOve And Debias (Rong et al. 2022): removal curves whose removed features are
imputed from their neighbours instead of zeroed, so that the removed region's shape does not
leak into the model's input as a pattern of zeros.

Features are taken in order of decreasing map value (ties by position), as the deletion
curve takes them. MoRF removes the most relevant fraction first, LeRF the least relevant.
A removed feature becomes the weighted mean of its neighbours (removed neighbours being
unknowns of the same linear system), plus Gaussian noise: on images the 8 neighbours,
weight 1/6 for the 4 that share an edge and 1/12 for the diagonals (the authors'); on
signals the 2 adjacent points, 1/2 each. The curve is the predicted class's probability;
a faithful map gives a low MoRF and a high LeRF curve. Their difference, LeRF minus MoRF, is
the symmetric relevance gain (Blücher et al. 2024): the two orders, with the same imputation,
can contradict each other, and the gain scores a map by both at once.
"""

import math

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

from vxai.data.inputs import subset_indices
from vxai.maps import descending_ranks
from vxai.metrics.curves import area

METRIC = {
    "title": "ROAD",
    "config": "road",
    "columns": {"road_morf_auc": ["ROAD MoRF", "lower"], "road_lerf_auc": ["ROAD LeRF", "higher"],
                "road_srg": ["ROAD SRG", "higher"]},
    "criterion": "faithfulness",
    "cost": "forward",
    "interval": True,
    "order": 30,
    "reference": "rong2022road",
    "about": ("Remove and debias: the most (MoRF) or least (LeRF) relevant fractions of the "
              "features are removed and filled in from their neighbours by one sparse linear "
              "system, plus a little noise, so the removed shape does not show as zeros. Each "
              "value is the area under the probability curve divided by the span of the "
              "fractions: lower MoRF and higher LeRF are better. SRG, the symmetric relevance "
              "gain (Blücher et al. 2024), is LeRF minus MoRF and scores a map by both orders "
              "at once."),
}

NEIGHBOURS = {
    1: (((-1,), 1 / 2), ((1,), 1 / 2)),
    2: tuple(((dr, dc), 1 / 6 if 0 in (dr, dc) else 1 / 12)
             for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)),
}


def linear_imputation(x, removed):
    """x (*spatial, channels) with every `removed` (*spatial) feature replaced, in all
    channels, by the weighted mean of its in-bounds neighbours; the removed features are
    solved for jointly. At least one feature must be kept."""
    spatial = removed.shape
    flat_removed = removed.ravel()
    unknowns = np.flatnonzero(flat_removed)
    if len(unknowns) == 0:
        return x.copy()
    variable = np.full(flat_removed.size, -1)
    variable[unknowns] = np.arange(len(unknowns))
    coords = np.unravel_index(unknowns, spatial)
    values = x.reshape(flat_removed.size, -1).astype(np.float64)
    diagonal = np.zeros(len(unknowns))
    rhs = np.zeros((len(unknowns), values.shape[1]))
    rows, columns, weights = [], [], []
    for offset, weight in NEIGHBOURS[len(spatial)]:
        moved = [c + o for c, o in zip(coords, offset)]
        inside = np.logical_and.reduce([(m >= 0) & (m < s) for m, s in zip(moved, spatial)])
        source = np.flatnonzero(inside)
        neighbour = np.ravel_multi_index([m[inside] for m in moved], spatial)
        diagonal[source] += weight
        unknown = flat_removed[neighbour]
        rows.append(source[unknown])
        columns.append(variable[neighbour[unknown]])
        weights.append(np.full(unknown.sum(), -weight))
        np.add.at(rhs, source[~unknown], weight * values[neighbour[~unknown]])
    rows.append(np.arange(len(unknowns)))
    columns.append(np.arange(len(unknowns)))
    weights.append(diagonal)
    system = coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(columns))),
                        shape=(len(unknowns), len(unknowns))).tocsc()
    solved = spsolve(system, rhs).reshape(len(unknowns), -1)
    values[unknowns] = solved
    return values.reshape(x.shape)


def removed_count(fraction, n_features):
    """Features removed at `fraction`: floor(fraction * n), as Quantus counts them."""
    return math.floor(fraction * n_features + 1e-9)


def road(predict, x, maps, classes, fractions, noise, rng, batch_size=64, lerf=True):
    """(morf, lerf): per-sample curves (n, fractions) of the class probability after the
    most (MoRF) or least (LeRF) relevant `fractions` of the features are removed by noisy
    linear imputation (noise: the standard deviation added to the imputed values, drawn
    from `rng` in a fixed order). With lerf=False only MoRF is computed (lerf is None)."""
    ranks = descending_ranks(maps)
    n_features = ranks.shape[1]
    spatial = np.shape(maps)[1:]
    curves = np.zeros((2, len(x), len(fractions)))
    directions = (0, 1) if lerf else (0,)
    jobs = [(d, i, j) for i in range(len(x)) for j in range(len(fractions)) for d in directions]
    for begin in range(0, len(jobs), batch_size):
        chunk = jobs[begin:begin + batch_size]
        batch = np.empty((len(chunk), *x.shape[1:]), dtype=x.dtype)
        for row, (direction, i, j) in enumerate(chunk):
            count = removed_count(fractions[j], n_features)
            removed = ranks[i] < count if direction == 0 else ranks[i] >= n_features - count
            removed = removed.reshape(spatial)
            imputed = linear_imputation(x[i], removed)
            imputed[removed] += noise * rng.standard_normal((removed.sum(), x.shape[-1]))
            batch[row] = imputed
        probs = predict(batch)
        for row, (direction, i, j) in enumerate(chunk):
            curves[direction, i, j] = probs[row, classes[i]]
    return curves[0], curves[1] if lerf else None


def road_area(curves, fractions):
    """Area under each curve over the fractions, divided by their span: a mean probability."""
    fractions = np.asarray(fractions, dtype=np.float64)
    if len(fractions) == 1:
        return curves[:, 0]
    return area(curves, fractions) / (fractions[-1] - fractions[0])


def score(job, settings, table):
    """MoRF and LeRF areas and their difference (the symmetric relevance gain) on `samples`
    evenly spaced samples; the curves to store."""
    picked = subset_indices(len(job.x), settings["samples"])
    fractions = np.asarray(settings["fractions"], dtype=np.float64)
    morf, lerf = road(job.predict, job.x[picked], job.maps["maps"][picked], job.classes[picked],
                      fractions, settings["noise"], np.random.default_rng(job.seed_for("road")),
                      job.batch_size)
    for column, curve in (("road_morf_auc", morf), ("road_lerf_auc", lerf)):
        table[column] = np.nan
        table.loc[picked, column] = road_area(curve, fractions)
    table["road_srg"] = table["road_lerf_auc"] - table["road_morf_auc"]
    return {"road_positions": picked, "road_fractions": fractions, "road_morf": morf,
            "road_lerf": lerf}
