"""Summary stage: Drop% and Increase% of every method and dataset, with intervals."""

import numpy as np
import pandas as pd

from vxai import plots
from vxai.data import TITLES
from vxai.io import save_csv, save_figure
from vxai.methods.registry import display, ordered
from vxai.metrics.agreement import kendall, metric_ranks, name
from vxai.metrics.faithfulness import compare_methods, summarize


def summarize_scores(score_tables, seed, faithfulness, comparison, figure, ranks, agreement,
                     agreement_figure):
    """Drop%/Increase% (all variants) with bootstrap intervals per dataset and method of
    `score_tables` ({dataset: {method: per-sample score CSV}}): overall, for correctly and
    wrongly classified samples, and per true class (to `faithfulness`); the
    method-versus-method table of how often each method has the lower per-sample drop (to
    `comparison`), and a plot of the overall Drop% and Increase% with their intervals; each
    method's rank under every metric (to `ranks`) and Kendall's tau between the metrics (to
    `agreement`, drawn to `agreement_figure`). Methods follow the registry's order."""
    rows, tables = [], {}
    for dataset, method, path in ((d, m, paths[m]) for d, paths in score_tables.items()
                                  for m in ordered(paths)):
        scores = pd.read_csv(path)
        tables.setdefault(dataset, {})[method] = scores
        subsets = [("all", scores), ("correct", scores[scores["correct"]]),
                   ("misclassified", scores[~scores["correct"]])]
        subsets += [(f"class {c}", part) for c, part in scores.groupby("label_name")]
        for subset, part in subsets:
            rows.append({"dataset": dataset, "method": method, "subset": subset,
                         **summarize(part, seed=seed)})
    summary = pd.DataFrame(rows)
    save_csv(faithfulness, summary, float_format="%.6g")
    overall = summary.query("subset == 'all'")
    save_figure(figure, plots.drop_increase_bars(overall.assign(
        dataset=overall["dataset"].map(TITLES), method=overall["method"].map(display))))
    pairs = pd.concat([compare_methods(scores).assign(dataset=dataset)
                       for dataset, scores in tables.items()], ignore_index=True)
    save_csv(comparison, pairs[["dataset", *pairs.columns[:-1]]], float_format="%.6g")
    ranked = {dataset: metric_ranks(part) for dataset, part in overall.groupby("dataset", sort=False)}
    taus = {dataset: kendall(part) for dataset, part in ranked.items()}
    save_csv(ranks, pd.concat([part.assign(dataset=d) for d, part in ranked.items()],
                              ignore_index=True)[["dataset", "method", "metric", "value", "rank"]],
             float_format="%.6g")
    save_csv(agreement, pd.concat([part.assign(dataset=d) for d, part in taus.items()],
                                  ignore_index=True)[["dataset", "metric_a", "metric_b", "tau", "n"]],
             float_format="%.6g")
    save_figure(agreement_figure, plots.metric_agreement(
        {TITLES[d]: _square(part) for d, part in taus.items()}))


def _square(tau):
    """(metric names, symmetric tau array with ones on the diagonal) of a long tau table."""
    metrics = list(dict.fromkeys([*tau["metric_a"], *tau["metric_b"]]))
    square = np.eye(len(metrics))
    for row in tau.itertuples():
        i, j = metrics.index(row.metric_a), metrics.index(row.metric_b)
        square[i, j] = square[j, i] = row.tau
    return [name(m) for m in metrics], square
