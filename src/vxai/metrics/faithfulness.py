"""Drop% and Increase% (the assignment's definition) and its variants.

Per sample: c = predicted class, Y = p_c(x). Flatten the map; n = its length,
m = floor(k * n); the threshold is the (m+1)-th largest value (none if m = n); features
strictly above it are kept and every other feature is zeroed in all channels.
O = p_c(masked x); drop = max(0, Y - O) / Y; increase = [O > Y].

Variants scored beside it: `exact` keeps exactly m features (ties at the threshold broken by
a seeded random order), `soft` multiplies the input by the [0, 1]-normalized map (the
Grad-CAM++ paper's version).
"""

import math

import numpy as np
import pandas as pd

from vxai.maps import normalize01
from vxai.statistics.summary import bootstrap_ci

METRIC = {
    "title": "Drop/Increase",
    "config": None,
    "columns": {"drop_pct": ["Drop%", "lower"], "increase_pct": ["Increase%", "higher"]},
    "criterion": "faithfulness",
    "cost": "forward",
    "interval": True,
    "order": 10,
    "reference": "chattopadhay2018gradcampp",
    "about": ("The top keep_fraction of the map's features are kept (those strictly above the "
              "(m+1)-th largest value, so ties keep fewer) and every other feature is zeroed in "
              "all channels. Drop% is the mean relative fall of the predicted class's "
              "probability, Increase% the share of samples where it rises: a faithful map keeps "
              "what the model needs, so lower Drop% and higher Increase% are better. Beside "
              "them, the tie-exact variant keeps exactly m features (ties broken in a seeded "
              "order) and the soft variant multiplies the input by the [0, 1]-normalized map."),
    "shown": {"drop_exact_pct": "Drop% exact", "increase_exact_pct": "Increase% exact",
              "drop_soft_pct": "Drop% soft", "increase_soft_pct": "Increase% soft",
              "mean_kept_fraction": "mean kept fraction"},
}

VARIANTS = ("", "_exact", "_soft")


def keep_mask(maps, k):
    """Boolean (n, *spatial) mask of the features kept for fraction `k` (ties keep fewer)."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    n_features = flat.shape[1]
    m = math.floor(k * n_features)
    if m >= n_features:
        return np.ones(np.shape(maps), dtype=bool)
    threshold = -np.sort(-flat, axis=1)[:, m : m + 1]  # (m+1)-th largest, per sample
    return (flat > threshold).reshape(np.shape(maps))


def keep_mask_exact(maps, k, rng, keep=None):
    """Keep exactly floor(k * n) features: the largest values, ties in a random order.
    `keep` is keep_mask(maps, k) if already computed: it is the answer wherever no tie
    straddles the threshold, so only the other samples are sorted."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    m = math.floor(k * flat.shape[1])
    tie_break = rng.random(flat.shape)  # for every sample: its draw does not depend on ties
    exact = (keep_mask(maps, k) if keep is None else keep).reshape(flat.shape).copy()
    tied = exact.sum(axis=1) < m
    if tied.any():
        order = np.lexsort((tie_break[tied], -flat[tied]), axis=1)  # value descending, then random
        rows = np.zeros((int(tied.sum()), flat.shape[1]), dtype=bool)
        np.put_along_axis(rows, order[:, :m], True, axis=1)
        exact[tied] = rows
    return exact.reshape(np.shape(maps))


def masked_inputs(x, keep):
    """Zero every channel of the features not kept."""
    return np.where(keep[..., None], x, 0).astype(x.dtype)


def drop_increase(predict, x, maps, classes, k, batch_size=64, seed=0, probs=None):
    """Per-sample Drop/Increase table for maps of the predicted `classes` of inputs `x`,
    with the tie-exact and soft variants. `predict(batch) -> probabilities`; `probs` are
    the probabilities of the full inputs if already known; masked inputs are built one
    batch at a time, and the tie-exact one is scored only where ties make it differ."""
    rng = np.random.default_rng(seed)
    columns = {name: [] for name in ("Y", "O", "O_exact", "O_soft", "kept_fraction")}
    for start in range(0, len(x), batch_size):
        sl = slice(start, start + batch_size)
        xb, cb, mb = x[sl], classes[sl], maps[sl]
        rows = np.arange(len(xb))
        keep = keep_mask(mb, k)
        columns["Y"].append((predict(xb) if probs is None else probs[sl])[rows, cb])
        observed = predict(masked_inputs(xb, keep))[rows, cb]
        columns["O"].append(observed)
        exact = keep_mask_exact(mb, k, rng, keep)
        tied = (exact != keep).reshape(len(xb), -1).any(axis=1)  # else the same masked input
        observed = observed.copy()
        if tied.any():
            scored = predict(masked_inputs(xb[tied], exact[tied]))
            observed[tied] = scored[np.arange(len(scored)), cb[tied]]
        columns["O_exact"].append(observed)
        soft = (xb * normalize01(mb)[..., None]).astype(xb.dtype)
        columns["O_soft"].append(predict(soft)[rows, cb])
        columns["kept_fraction"].append(keep.reshape(len(xb), -1).mean(axis=1))
    table = pd.DataFrame({key: np.concatenate(v) if v else [] for key, v in columns.items()})
    for variant in VARIANTS:
        observed = table["O" + variant]
        table["drop" + variant] = np.maximum(0.0, table["Y"] - observed) / table["Y"]
        table["increase" + variant] = (observed > table["Y"]).astype(int)
    return table


def score(job, settings, table):
    """Drop/Increase and their variants at the dataset's keep fraction."""
    found = drop_increase(job.predict, job.x, job.maps["maps"], job.classes, job.keep_fraction,
                          job.batch_size, job.seed, job.probs)
    for column in found:
        table[column] = found[column].to_numpy()


def summary(scores, seed):
    """Drop% and Increase% of every variant with 95 % bootstrap intervals and the mean
    fraction of features the threshold actually kept."""
    row = {}
    for variant in VARIANTS:
        for column in ("drop", "increase"):
            name = f"{column}{variant}_pct"
            values = scores[column + variant] if len(scores) else []
            row[name] = 100 * float(np.mean(values)) if len(scores) else float("nan")
            low, high = bootstrap_ci(values, seed=seed)
            row[f"{name}_lo"], row[f"{name}_hi"] = 100 * low, 100 * high
    row["mean_kept_fraction"] = float(scores["kept_fraction"].mean()) if len(scores) else float("nan")
    return row
