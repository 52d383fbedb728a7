"""Drop% and Increase% (the assignment's definition), with bootstrap intervals.

Per sample: c = predicted class, Y = p_c(x). Flatten the map; n = its length,
m = floor(k * n); the threshold is the (m+1)-th largest value (none if m = n); features
strictly above it are kept and every other feature is zeroed in all channels.
O = p_c(masked x); drop = max(0, Y - O) / Y; increase = [O > Y].
"""

import math

import numpy as np
import pandas as pd


def keep_mask(maps, k):
    """Boolean (n, *spatial) mask of the features kept for fraction `k` (ties keep fewer)."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    n_features = flat.shape[1]
    m = math.floor(k * n_features)
    if m >= n_features:
        return np.ones(np.shape(maps), dtype=bool)
    threshold = -np.sort(-flat, axis=1)[:, m : m + 1]  # (m+1)-th largest, per sample
    return (flat > threshold).reshape(np.shape(maps))


def masked_inputs(x, keep):
    """Zero every channel of the features not kept."""
    return np.where(keep[..., None], x, 0).astype(x.dtype)


def drop_increase(predict, x, maps, classes, k, batch_size=64):
    """Per-sample Drop/Increase table for maps of the predicted `classes` of inputs `x`.

    `predict(batch) -> probabilities`. Masked inputs are built one batch at a time.
    """
    rows = {"Y": [], "O": [], "kept_fraction": []}
    for start in range(0, len(x), batch_size):
        sl = slice(start, start + batch_size)
        xb, cb = x[sl], classes[sl]
        keep = keep_mask(maps[sl], k)
        y_full = predict(xb)[np.arange(len(xb)), cb]
        y_masked = predict(masked_inputs(xb, keep))[np.arange(len(xb)), cb]
        rows["Y"].append(y_full)
        rows["O"].append(y_masked)
        rows["kept_fraction"].append(keep.reshape(len(xb), -1).mean(axis=1))
    table = pd.DataFrame({key: np.concatenate(v) if v else [] for key, v in rows.items()})
    table["drop"] = np.maximum(0.0, table["Y"] - table["O"]) / table["Y"]
    table["increase"] = (table["O"] > table["Y"]).astype(int)
    return table


def bootstrap_ci(values, n_boot=1000, seed=0, level=0.95):
    """Percentile bootstrap interval of the mean of `values`."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def summarize(scores, seed=0):
    """One row of Drop%, Increase% (with 95 % bootstrap intervals) and mean kept fraction."""
    row = {"n": len(scores)}
    for column, name in (("drop", "drop_pct"), ("increase", "increase_pct")):
        row[name] = 100 * float(scores[column].mean()) if len(scores) else float("nan")
        low, high = bootstrap_ci(scores[column], seed=seed)
        row[f"{name}_lo"], row[f"{name}_hi"] = 100 * low, 100 * high
    row["mean_kept_fraction"] = float(scores["kept_fraction"].mean()) if len(scores) else float("nan")
    return row
