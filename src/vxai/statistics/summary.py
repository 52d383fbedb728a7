"""The summary helpers every metric shares: the mean of a column over the samples that have
it, and the percentile bootstrap interval of a mean."""

import numpy as np


def mean_summary(columns, interval):
    """The summary of most metrics: the mean of each column over the samples that have it,
    with its bootstrap interval if `interval`."""

    def summarize_columns(scores, seed):
        row = {}
        for column in columns:
            present = column in scores and len(scores)
            row[column] = float(scores[column].mean()) if present else float("nan")
            if interval:
                values = scores[column].dropna() if column in scores else []
                row[f"{column}_lo"], row[f"{column}_hi"] = bootstrap_ci(values, seed=seed)
        return row

    return summarize_columns


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
