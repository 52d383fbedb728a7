"""Paired comparisons of methods on the samples both explained: under every metric, each pair
of methods (the random and constant maps included, as controls), the mean paired difference
with a bootstrap interval and the Wilcoxon signed-rank test, Holm-corrected over the
comparisons of one metric and dataset."""

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from vxai.methods.registry import ordered
from vxai.metrics.registry import summary_columns
from vxai.statistics.critical import ALPHA

VERDICTS = ("better", "not different", "worse")


def per_sample_column(column):
    """The per-sample score column behind a summary column (`drop_pct` is `drop` x 100)."""
    return column.removesuffix("_pct")


def sample_matrix(tables, column):
    """(ids x methods) frame of one summary column's per-sample values, oriented so that
    higher is better, or None when no method has the column. `tables`: method -> scores."""
    source = per_sample_column(column)
    scale = 100.0 if column.endswith("_pct") else 1.0
    higher = summary_columns()[column][1]
    found = {method: table.set_index("id")[source] for method, table in tables.items()
             if source in table and table[source].notna().any()}
    if not found:
        return None
    return pd.DataFrame(found)[ordered(found)] * (scale if higher else -scale)


def holm(p_values):
    """Holm's step-down adjusted p-values (NaN stays NaN)."""
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    running = 0.0
    for step, index in enumerate(order):
        running = max(running, (len(order) - step) * p[index])
        adjusted[index] = min(1.0, running)
    return adjusted


def paired_difference(a, b, draws, level=0.95):
    """(mean of a - b, interval low, high, Wilcoxon p) over paired samples; `draws` is a
    (bootstrap replicates x n) array of resampled positions."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if len(d) == 0:
        return np.nan, np.nan, np.nan, np.nan
    means = d[draws].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(d.mean()), float(low), float(high), wilcoxon_p(d)


def wilcoxon_p(d):
    """Two-sided Wilcoxon signed-rank p of paired differences `d`: exact for up to 50
    distinct nonzero differences, else the normal approximation with the tie correction
    (scipy would fall back to a slow permutation test where differences tie or are zero)."""
    nonzero = d[d != 0]
    if len(nonzero) == 0:
        return 1.0
    exact = len(nonzero) == len(d) <= 50 and len(np.unique(np.abs(nonzero))) == len(nonzero)
    return float(wilcoxon(d, zero_method="wilcox", method="exact" if exact else "approx").pvalue)


def paired_tests(tables, seed=0, n_boot=1000):
    """Long table (metric, method_a, method_b, n, difference, difference_lo, difference_hi, p,
    p_holm, verdict) of every pair of methods under every metric of one dataset. The
    difference is a minus b in the metric's units, signed so that positive means a is better;
    verdict says whether a is significantly better than b, worse, or not different (Holm over
    the metric's pairs, at 5 %)."""
    rows = []
    for column in summary_columns():
        matrix = sample_matrix(tables, column)
        if matrix is None:
            continue
        rng = np.random.default_rng(seed)
        draws = {}  # the pairs of equal n share their bootstrap draws
        start = len(rows)
        methods = list(matrix.columns)
        values = matrix.to_numpy(dtype=np.float64)
        present = ~np.isnan(values)
        for i, a in enumerate(methods):
            for j in range(i + 1, len(methods)):
                both = present[:, i] & present[:, j]
                n = int(both.sum())
                if n not in draws:
                    draws[n] = rng.integers(0, max(n, 1), size=(n_boot, n))
                difference, low, high, p = paired_difference(values[both, i], values[both, j],
                                                             draws[n])
                rows.append({"metric": column, "method_a": a, "method_b": methods[j], "n": n,
                             "difference": difference, "difference_lo": low,
                             "difference_hi": high, "p": p})
        for row, adjusted in zip(rows[start:], holm([r["p"] for r in rows[start:]])):
            row["p_holm"] = adjusted
            row["verdict"] = verdict(row["difference"], adjusted)
    columns = ["metric", "method_a", "method_b", "n", "difference", "difference_lo",
               "difference_hi", "p", "p_holm", "verdict"]
    return pd.DataFrame(rows, columns=columns)


def verdict(difference, p_adjusted, alpha=ALPHA):
    """'better', 'worse' or 'not different' for a paired difference (positive: better)."""
    if not np.isfinite(p_adjusted) or p_adjusted >= alpha:
        return "not different"
    return "better" if difference > 0 else "worse"


def both_orders(pairs):
    """The pairs table with every pair in both orders (b against a: difference negated,
    interval mirrored, verdict flipped)."""
    flipped = pairs.rename(columns={"method_a": "method_b", "method_b": "method_a"}).assign(
        difference=-pairs["difference"], difference_lo=-pairs["difference_hi"],
        difference_hi=-pairs["difference_lo"],
        verdict=pairs["verdict"].map({"better": "worse", "worse": "better",
                                      "not different": "not different"}))
    return pd.concat([pairs, flipped[pairs.columns]], ignore_index=True)


def against(pairs, control):
    """Each method's row against `control` (method, metric, difference, interval, p_holm,
    verdict): whether it beats the control on the samples both explained."""
    rows = both_orders(pairs)
    rows = rows[(rows["method_b"] == control) & (rows["method_a"] != control)]
    return rows.rename(columns={"method_a": "method"}).drop(columns="method_b")
