"""One method's overall row (every registered metric's summary of its per-sample scores) and
the pairwise share of samples where one method drops less than another."""

import numpy as np
import pandas as pd

from vxai.methods.registry import diagnostic_columns
from vxai.metrics.registry import metric_specs
from vxai.statistics.summary import mean_summary


def summarize(scores, seed=0):
    """One row: every registered metric's summary (by default the mean of its columns, with
    intervals over the samples that have them where it declares `interval`), the share of
    samples whose map is constant (unexplained) and the means of the methods' diagnostics."""
    row = {"n": len(scores)}
    row["unexplained_pct"] = (100 * float(scores["unexplained"].mean())
                              if "unexplained" in scores and len(scores) else float("nan"))
    for spec in metric_specs():
        own = spec.summary or mean_summary(spec.columns, spec.interval)
        row |= own(scores, seed)
    row |= mean_summary(diagnostic_columns(), interval=False)(scores, seed)
    return row


def compare_methods(tables):
    """For each ordered pair of methods (tables: method -> per-sample scores with `id`), the
    share of the samples both explain where the first has the strictly lower drop, overall
    ('all') and per true class."""
    drops = pd.DataFrame({method: table.set_index("id")["drop"] for method, table in tables.items()})
    labels = pd.concat([table.set_index("id")["label_name"] for table in tables.values()])
    labels = labels[~labels.index.duplicated()].reindex(drops.index).astype(str).to_numpy()
    values = drops.to_numpy(dtype=np.float64)
    methods = list(drops.columns)
    rows = []
    groups = [("all", np.ones(len(drops), dtype=bool))]
    groups += [(f"class {c}", labels == c) for c in sorted(set(labels))]
    for subset, selected in groups:
        x = values[selected]
        # [i, a, b]: sample i has both maps; a's drop is lower; equal
        both = ~np.isnan(x)[:, :, None] & ~np.isnan(x)[:, None, :]
        n = both.sum(axis=0)
        lower = (both & (x[:, :, None] < x[:, None, :])).sum(axis=0)
        tie = (both & (x[:, :, None] == x[:, None, :])).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            lower_share, tie_share = lower / n, tie / n
        for i, a in enumerate(methods):
            for j, b in enumerate(methods):
                if i != j:
                    rows.append({"subset": subset, "method_a": a, "method_b": b,
                                 "n": int(n[i, j]), "a_lower": float(lower_share[i, j]),
                                 "tie": float(tie_share[i, j])})
    return pd.DataFrame(rows)
