"""Paired comparisons of methods on the samples both explained: under every metric, each pair
of methods (the random and constant maps included, as controls), the mean paired difference
with a bootstrap interval and the Wilcoxon signed-rank test, Holm-corrected over the
comparisons of one metric and dataset, and the smallest difference those samples could have
detected (so that "not different" says by how much)."""

import functools

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import multivariate_normal, norm, wilcoxon

from vxai.methods.registry import ordered
from vxai.metrics.registry import summary_columns
from vxai.statistics.critical import ALPHA

VERDICTS = ("better", "not different", "worse")
POWER = 0.8  # of the detectable difference


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


def detectable_difference(d, comparisons, alpha=ALPHA, power=POWER):
    """The smallest mean paired difference that the two-sided Wilcoxon signed-rank test of
    the n = len(d) paired samples detects with `power`, at the observed spread of `d`
    (standard deviation; differences taken as normal), at level alpha / comparisons: the
    strictest step of Holm's correction, so the claim holds whichever step a pair is tested
    at. Infinite where no outcome of n samples reaches that level; NaN for fewer than 2."""
    if len(d) < 2:
        return np.nan
    return float(_detectable_shift(len(d), alpha / comparisons, power) * np.std(d, ddof=1))


@functools.lru_cache(maxsize=None)
def _detectable_shift(n, level, power):
    """The detectable difference in standard deviations: where the signed-rank test's power
    reaches `power`, its statistic's critical value from the exact null distribution (n up
    to 50, as wilcoxon_p) or the normal one, its distribution under the shift approximated
    by the normal with Lehmann's moments."""
    critical = _critical_statistic(n, level)
    if critical > n * (n + 1) / 2 or _signed_rank_power(8.0, n, critical) < power:
        return np.inf
    return brentq(lambda shift: _signed_rank_power(shift, n, critical) - power, 0.0, 8.0,
                  xtol=1e-6)


def _critical_statistic(n, level):
    """The smallest signed-rank sum T+ (less a continuity half) whose two-sided p is at
    most `level`; infinite where none is."""
    if n > 50:
        return n * (n + 1) / 4 + norm.ppf(1 - level / 2) * np.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1
    for rank in range(1, n + 1):  # the null distribution: each rank's sign a fair coin
        counts[rank:] = counts[rank:] + counts[:-rank].copy()
    upper = np.cumsum(counts[::-1])[::-1] / 2.0 ** n  # P(T+ >= t)
    reached = np.flatnonzero(2 * upper <= level)
    return reached[0] - 0.5 if len(reached) else np.inf


def _signed_rank_power(shift, n, critical):
    """P(T+ > critical) for n normal differences of mean `shift` standard deviations: T+
    counts the Walsh averages above 0, with Lehmann's (1975) mean and variance."""
    root2 = np.sqrt(2.0)
    p1, p2 = norm.cdf(shift), norm.cdf(root2 * shift)
    p3 = _both_below(root2 * shift, root2 * shift, 0.5)  # two Walsh sums sharing a sample
    p4 = _both_below(shift, root2 * shift, 1 / root2)  # a sample and a Walsh sum it is in
    mean = n * p1 + n * (n - 1) / 2 * p2
    variance = (n * p1 * (1 - p1) + n * (n - 1) / 2 * p2 * (1 - p2)
                + 2 * n * (n - 1) * (p4 - p1 * p2) + n * (n - 1) * (n - 2) * (p3 - p2 ** 2))
    return float(norm.sf((critical - mean) / np.sqrt(max(variance, 1e-300))))


def _both_below(a, b, rho):
    """P(X < a, Y < b) of standard normals with correlation rho."""
    return multivariate_normal(cov=[[1.0, rho], [rho, 1.0]]).cdf([a, b])


def paired_tests(tables, seed=0, n_boot=1000):
    """Long table (metric, method_a, method_b, n, difference, difference_lo, difference_hi, p,
    p_holm, verdict, detectable) of every pair of methods under every metric of one dataset.
    The difference is a minus b in the metric's units, signed so that positive means a is
    better; verdict says whether a is significantly better than b, worse, or not different
    (Holm over the metric's pairs, at 5 %); detectable is the smallest difference the pair's
    samples could have detected (detectable_difference)."""
    rows = []
    for column in summary_columns():
        matrix = sample_matrix(tables, column)
        if matrix is None:
            continue
        rng = np.random.default_rng(seed)
        draws = {}  # the pairs of equal n share their bootstrap draws
        start = len(rows)
        methods = list(matrix.columns)
        comparisons = len(methods) * (len(methods) - 1) // 2
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
                             "difference_hi": high, "p": p, "detectable": detectable_difference(
                                 values[both, i] - values[both, j], comparisons)})
        for row, adjusted in zip(rows[start:], holm([r["p"] for r in rows[start:]])):
            row["p_holm"] = adjusted
            row["verdict"] = verdict(row["difference"], adjusted)
    columns = ["metric", "method_a", "method_b", "n", "difference", "difference_lo",
               "difference_hi", "p", "p_holm", "verdict", "detectable"]
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
