"""What the metrics agree on: each method's rank under each metric, Kendall's tau between
every pair of metrics over the methods (the baselines left out), and the metrics under
which the random map beats most methods."""

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from vxai.methods.registry import RANDOM_MAP, spec
from vxai.metrics.registry import summary_columns


def is_baseline(method):
    return spec(method).family == "baseline"


def metric_ranks(overall):
    """Long table (method, metric, value, rank) of one dataset's overall summary rows: rank 1
    is the best, ties share their mean rank; metrics no method has are left out."""
    rows = []
    for metric, (_, higher) in summary_columns().items():
        if metric not in overall or overall[metric].isna().all():
            continue
        values = overall.set_index("method")[metric]
        ranks = (-values if higher else values).rank(method="average")
        rows += [{"method": m, "metric": metric, "value": values[m], "rank": ranks[m]}
                 for m in values.index]
    return pd.DataFrame(rows, columns=["method", "metric", "value", "rank"])


def kendall(ranks):
    """Long table (metric_a, metric_b, tau, n) of Kendall's tau between the ranks of every
    pair of metrics over the methods that have both (baselines left out)."""
    table = ranks.pivot(index="method", columns="metric", values="rank")
    table = table[[m for m in summary_columns() if m in table]]
    table = table.loc[[m for m in table.index if not is_baseline(m)]]
    rows = []
    for i, a in enumerate(table.columns):
        for b in table.columns[i + 1:]:
            both = table[[a, b]].dropna()
            tau = kendalltau(both[a], both[b]).statistic if len(both) >= 3 else np.nan
            rows.append({"metric_a": a, "metric_b": b, "tau": tau, "n": len(both)})
    return pd.DataFrame(rows, columns=["metric_a", "metric_b", "tau", "n"])


def random_beats_most(ranks):
    """The metrics under which the random map ranks above more than half of the methods."""
    flagged = []
    for metric, part in ranks.groupby("metric", sort=False):
        if RANDOM_MAP not in set(part["method"]):
            continue
        random_rank = part.loc[part["method"] == RANDOM_MAP, "rank"].iloc[0]
        methods = part[[not is_baseline(m) for m in part["method"]]]
        if (methods["rank"] > random_rank).sum() > len(methods) / 2:
            flagged.append(metric)
    return flagged


def name(metric):
    return summary_columns()[metric][0]


def disagreement_sentence(tau, pairs=3):
    """A sentence naming the metric pairs whose rankings of the methods disagree most."""
    found = tau.dropna(subset=["tau"]).sort_values("tau", kind="stable").head(pairs)
    if found.empty:
        return "Too few methods to compare the metrics' rankings."
    listed = [f"{name(r.metric_a)} and {name(r.metric_b)} (tau = {r.tau:.2f})"
              for r in found.itertuples()]
    return "The metrics that disagree most on the order of the methods: " + "; ".join(listed) + "."
