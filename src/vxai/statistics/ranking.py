"""Ranks with uncertainty, per criterion (faithfulness, robustness, randomization,
localization, complexity), and checks of the metrics themselves. Reproducibility is a check
of a stochastic method, not a criterion to rank on: every deterministic method scores
exactly 1, so its ranks would be one tie (vxai.trust reports it as a check).

- Per metric, every sample ranks the methods that have the metric (1 = best, ties share
  their mean rank) on the samples all of them explained.
- A method's criterion rank is its mean rank over the criterion's metrics; a bootstrap over
  samples gives the interval of its place among the methods.
- The Friedman test over samples, then Nemenyi's critical difference (Demsar 2006), say
  which differences in mean rank are real: the critical-difference diagram.
- Krippendorff's alpha of the per-sample ranks (samples as raters of the methods, ordinal
  distance, as Tomsett et al. 2020 use it) says how reliably a metric ranks the methods.
- On data with ground truth (the MNIST-1D template), a metric's ranking of the methods is
  compared with their ranking by localization (relevance mass, template IoU).
"""

import numpy as np
import pandas as pd
from scipy.stats import friedmanchisquare, norm, rankdata, spearmanr

from vxai.methods.registry import spec
from vxai.metrics.registry import CRITERIA, metric_specs
from vxai.statistics.comparison import ALPHA, sample_matrix
from vxai.statistics.critical import critical_difference

GROUND_TRUTH = ("relevance_mass", "template_iou")
CHECKS = ("reproducibility",)  # criteria that check a method instead of ranking it
# Krippendorff's (2004) floors of alpha: tentative conclusions, reliable ones
TENTATIVE, RELIABLE = 0.667, 0.8


def criteria():
    """{criterion: [summary columns]} of the criteria the methods are ranked on, in the
    registry's order (CHECKS left out)."""
    found = {}
    for metric in metric_specs():
        found.setdefault(metric.criterion, []).extend(metric.columns)
    return {c: found[c] for c in CRITERIA if c in found and c not in CHECKS}


def sample_ranks(matrix):
    """(ids x methods) per-sample ranks, 1 = best, on the samples every method has."""
    complete = matrix.dropna()
    ranks = rankdata(-complete.to_numpy(), axis=1, method="average")
    return pd.DataFrame(ranks, index=complete.index, columns=complete.columns)


def criterion_ranks(tables, seed=0, n_boot=200):
    """Long table (criterion, method, mean_rank, place, place_lo, place_hi, metrics,
    samples) of one dataset: place is the method's position by mean rank (1 = best), with
    its 95 % bootstrap interval over samples. Only the methods that have every metric of a
    criterion are ranked under it."""
    rng = np.random.default_rng(seed)
    rows = []
    for criterion, columns in criteria().items():
        matrices = {c: m for c in columns if (m := sample_matrix(tables, c)) is not None}
        ranked = {c: r for c, m in matrices.items()
                  if len(r := sample_ranks(m)) and r.shape[1] >= 2}
        if not ranked:
            continue
        methods = [m for m in next(iter(ranked.values())).columns
                   if all(m in r.columns for r in ranked.values())]
        if len(methods) < 2:
            continue
        ranked = {c: sample_ranks(matrices[c][methods]) for c in ranked}
        ranked = {c: r for c, r in ranked.items() if len(r)}
        mean = np.mean([r.mean().to_numpy() for r in ranked.values()], axis=0)
        places = np.empty((n_boot, len(methods)))
        for draw in range(n_boot):
            boot = np.mean([r.to_numpy()[rng.integers(0, len(r), len(r))].mean(axis=0)
                            for r in ranked.values()], axis=0)
            places[draw] = rankdata(boot, method="average")
        low = np.percentile(places, 2.5, axis=0, method="lower")  # places the draws took
        high = np.percentile(places, 97.5, axis=0, method="higher")
        place = rankdata(mean, method="average")
        samples = max(len(r) for r in ranked.values())
        for i, method in enumerate(methods):
            rows.append({"criterion": criterion, "method": method, "mean_rank": mean[i],
                         "place": place[i], "place_lo": low[i], "place_hi": high[i],
                         "metrics": len(ranked), "samples": samples})
    return pd.DataFrame(rows, columns=["criterion", "method", "mean_rank", "place", "place_lo",
                                       "place_hi", "metrics", "samples"])


def block_ranks(tables, columns):
    """(samples x methods) ranks per sample, averaged over the criterion's metrics that
    sample has, among the methods that have every one of the metrics; None if too few."""
    matrices = {c: m for c in columns if (m := sample_matrix(tables, c)) is not None}
    if not matrices:
        return None
    methods = [m for m in next(iter(matrices.values())).columns
               if all(m in x.columns for x in matrices.values())]
    if len(methods) < 3:
        return None
    ranked = [sample_ranks(m[methods]) for m in matrices.values()]
    ranked = [r for r in ranked if len(r)]
    if not ranked:
        return None
    stacked = pd.concat(ranked)
    return stacked.groupby(level=0).mean()


def friedman_nemenyi(tables, alpha=ALPHA):
    """Long table (criterion, method, mean_rank, samples, friedman_chi2, friedman_p, cd) of
    one dataset: mean ranks over samples (re-ranked within each sample), the Friedman test
    and Nemenyi's critical difference; criteria with fewer than 3 methods or 2 samples are
    left out."""
    rows = []
    for criterion, columns in criteria().items():
        blocks = block_ranks(tables, columns)
        if blocks is None or len(blocks) < 2:
            continue
        reranked = rankdata(blocks.to_numpy(), axis=1, method="average")
        stat, p = friedmanchisquare(*reranked.T)
        cd = critical_difference(reranked.shape[1], len(reranked), alpha)
        for method, mean in zip(blocks.columns, reranked.mean(axis=0)):
            rows.append({"criterion": criterion, "method": method, "mean_rank": mean,
                         "samples": len(reranked), "friedman_chi2": stat, "friedman_p": p,
                         "cd": cd})
    return pd.DataFrame(rows, columns=["criterion", "method", "mean_rank", "samples",
                                       "friedman_chi2", "friedman_p", "cd"])


def krippendorff_alpha(data, level="ordinal"):
    """Krippendorff's alpha of a (raters x units) array (NaN = missing) at the `interval` or
    `ordinal` level, from the coincidence matrix (Krippendorff 2011)."""
    data = np.asarray(data, dtype=np.float64)
    present = np.isfinite(data)
    values = np.unique(data[present])
    # counts[u, v]: how often unit u holds value v; each unit adds its ordered pairs of
    # different raters, weighted 1 / (m_u - 1) for its m_u values
    units = np.nonzero(present)[1]
    counts = np.zeros((data.shape[1], len(values)))
    np.add.at(counts, (units, np.searchsorted(values, data[present])), 1)
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    weighted = counts / (m[m >= 2] - 1)[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    totals = coincidence.sum(axis=1)
    n = totals.sum()
    if level == "interval":
        delta = (values[:, None] - values[None, :]) ** 2
    elif level == "ordinal":
        # [g, h] for g < h: the values from g to h, counting the two ends half
        cumulative = np.cumsum(totals)
        between = (cumulative[None, :] - cumulative[:, None] + totals[:, None] / 2
                   - totals[None, :] / 2)
        upper = np.triu(between ** 2, k=1)
        delta = upper + upper.T
    else:
        raise ValueError(f"level must be 'interval' or 'ordinal', not {level!r}")
    observed = (coincidence * delta).sum()
    expected = (np.outer(totals, totals) * delta).sum() / (n - 1)
    return float(1 - observed / expected) if expected > 0 else np.nan


def reliability(ranks, level=0.95):
    """(Krippendorff's alpha, interval low, high) of a (samples x methods) rank array, the
    interval from the jackknife over samples (the raters; a bootstrap would draw a sample
    twice, pair it with itself and inflate alpha), capped at 1. NaN for fewer than 2 samples
    or methods; the interval needs 3 samples."""
    n = ranks.shape[0]
    if n < 2 or ranks.shape[1] < 2:
        return np.nan, np.nan, np.nan
    alpha = krippendorff_alpha(ranks)
    if n < 3:
        return alpha, np.nan, np.nan
    left_out = np.array([krippendorff_alpha(np.delete(ranks, i, axis=0)) for i in range(n)])
    error = np.sqrt((n - 1) / n * np.nansum((left_out - np.nanmean(left_out)) ** 2))
    half = norm.ppf(0.5 + level / 2) * error
    return alpha, float(alpha - half), float(min(1.0, alpha + half))


def metric_checks(tables, overall):
    """Table (metric, reliability with its jackknife interval reliability_lo and _hi,
    samples, methods, rho_<ground truth>, p_<ground truth>, ground_truth) of one dataset:
    Krippendorff's alpha of each metric's per-sample ranks of
    the methods, and, where the data has ground truth, Spearman between the metric's and the
    localization's ranking of the methods (baselines left out); ground_truth is 'passes'
    when both correlations are positive and significant at 5 %, 'fails' otherwise, and
    empty without ground truth."""
    methods = [m for m in overall["method"] if spec(m).family != "baseline"]
    values = overall.set_index("method").loc[methods]
    truth = [c for c in GROUND_TRUTH if c in values and values[c].notna().sum() >= 3]
    rows = []
    for columns in criteria().values():
        for column in columns:
            matrix = sample_matrix(tables, column)
            if matrix is None:
                continue
            ranks = sample_ranks(matrix)
            alpha, low, high = reliability(ranks.to_numpy())
            row = {"metric": column, "samples": len(ranks), "methods": ranks.shape[1],
                   "reliability": alpha, "reliability_lo": low, "reliability_hi": high}
            if truth and column not in GROUND_TRUTH:
                own = matrix.mean()  # oriented: higher is better
                checks = []
                for gt in truth:
                    both = pd.concat([own.reindex(methods), values[gt]], axis=1).dropna()
                    rho, p = spearmanr(both.iloc[:, 0], both.iloc[:, 1]) if len(both) >= 3 \
                        else (np.nan, np.nan)
                    row[f"rho_{gt}"], row[f"p_{gt}"] = rho, p
                    checks.append(rho > 0 and p < ALPHA)
                row["ground_truth"] = "passes" if all(checks) else "fails"
            rows.append(row)
    return pd.DataFrame(rows)
