"""Summary stage: Drop% and Increase% of every method and dataset, with intervals."""

import numpy as np
import pandas as pd

from vxai import plots
from vxai.data import title
from vxai.io import save_csv, save_figure
from vxai.methods.registry import display, ordered
from vxai.statistics.agreement import kendall, metric_ranks, name
from vxai.statistics.comparison import both_orders, paired_tests
from vxai.statistics.overall import compare_methods, summarize
from vxai.statistics.ranking import criterion_ranks, friedman_nemenyi, metric_checks


def summarize_scores(score_tables, seed, faithfulness, comparison, figure, ranks, agreement,
                     agreement_figure, paired, criteria, critical, critical_figure, checks):
    """Drop%/Increase% (all variants) with bootstrap intervals per dataset and method of
    `score_tables` ({dataset: {method: per-sample score CSV}}): overall, for correctly and
    wrongly classified samples, and per true class (to `faithfulness`); the
    method-versus-method table of how often each method has the lower per-sample drop (to
    `comparison`), and a plot of the overall Drop% and Increase% with their intervals; each
    method's rank under every metric (to `ranks`) and Kendall's tau between the metrics (to
    `agreement`, drawn to `agreement_figure`); the paired tests of every pair of methods under
    every metric (to `paired`; the Drop% ones also join `comparison`), each method's place per
    criterion with its bootstrap interval (to `criteria`), the Friedman test and Nemenyi's
    critical difference (to `critical`, drawn to `critical_figure`) and the metrics'
    reliability and ground-truth checks (to `checks`). Methods follow the registry's order."""
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
        dataset=overall["dataset"].map(title), method=overall["method"].map(display))))
    tested = pd.concat([paired_tests(scores, seed=seed).assign(dataset=dataset)
                        for dataset, scores in tables.items()], ignore_index=True)
    save_csv(paired, tested[["dataset", *tested.columns[:-1]]], float_format="%.6g")
    drop = both_orders(tested.query("metric == 'drop_pct'").drop(columns="metric"))
    drop = drop.drop(columns="verdict").rename(columns={
        "n": "n_paired", "difference": "drop_pct_difference",
        "difference_lo": "drop_pct_difference_lo", "difference_hi": "drop_pct_difference_hi",
        "p": "drop_p", "p_holm": "drop_p_holm"}).assign(subset="all")
    pairs = pd.concat([compare_methods(scores).assign(dataset=dataset)
                       for dataset, scores in tables.items()], ignore_index=True)
    pairs = pairs.merge(drop, on=["dataset", "subset", "method_a", "method_b"], how="left")
    save_csv(comparison, pairs[["dataset", *pairs.columns.drop("dataset")]], float_format="%.6g")
    ranked = {dataset: metric_ranks(part) for dataset, part in overall.groupby("dataset", sort=False)}
    taus = {dataset: kendall(part) for dataset, part in ranked.items()}
    save_csv(ranks, pd.concat([part.assign(dataset=d) for d, part in ranked.items()],
                              ignore_index=True)[["dataset", "method", "metric", "value", "rank"]],
             float_format="%.6g")
    save_csv(agreement, pd.concat([part.assign(dataset=d) for d, part in taus.items()],
                                  ignore_index=True)[["dataset", "metric_a", "metric_b", "tau", "n"]],
             float_format="%.6g")
    save_figure(agreement_figure, plots.metric_agreement(
        {title(d): _square(part) for d, part in taus.items()}))
    per_dataset = [(d, criterion_ranks(t, seed=seed), friedman_nemenyi(t),
                    metric_checks(t, overall.query("dataset == @d")))
                   for d, t in tables.items()]
    save_csv(criteria, _long([(d, r) for d, r, _, _ in per_dataset]), float_format="%.6g")
    save_csv(critical, _long([(d, f) for d, _, f, _ in per_dataset]), float_format="%.6g")
    save_csv(checks, _long([(d, c) for d, _, _, c in per_dataset]), float_format="%.6g")
    save_figure(critical_figure, plots.critical_difference({
        f"{title(d)}: {criterion}": ([display(m) for m in part["method"]],
                                       part["mean_rank"].to_numpy(), part["cd"].iloc[0],
                                       part["samples"].iloc[0], part["friedman_p"].iloc[0])
        for d, _, found, _ in per_dataset for criterion, part in found.groupby("criterion",
                                                                                sort=False)}))


def _long(parts):
    """One table of per-dataset tables, with the dataset as the first column."""
    frames = [part.assign(dataset=d) for d, part in parts if not part.empty]
    if not frames:
        return pd.DataFrame(columns=["dataset"])
    table = pd.concat(frames, ignore_index=True)
    return table[["dataset", *table.columns.drop("dataset")]]


def _square(tau):
    """(metric names, symmetric tau array with ones on the diagonal) of a long tau table."""
    metrics = list(dict.fromkeys([*tau["metric_a"], *tau["metric_b"]]))
    square = np.eye(len(metrics))
    for row in tau.itertuples():
        i, j = metrics.index(row.metric_a), metrics.index(row.metric_b)
        square[i, j] = square[j, i] = row.tau
    return [name(m) for m in metrics], square
