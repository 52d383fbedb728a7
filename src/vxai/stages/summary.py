"""Summary stages over every method's per-sample scores, one per rule: the faithfulness
summary, the paired tests and ranks, and the metric checks and agreement (the trust section
is vxai.stages.trust).
Methods follow the registry's order; `score_tables` is {dataset: {method: score CSV}}."""

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


def read_scores(score_tables):
    """{dataset: {method: per-sample scores}}, methods in the registry's order."""
    return {dataset: {method: pd.read_csv(paths[method]) for method in ordered(paths)}
            for dataset, paths in score_tables.items()}


def summarize_faithfulness(score_tables, seed, *, table, figure):
    """Every metric's summary with bootstrap intervals per dataset and method: overall, for
    correctly and wrongly classified samples and per true class (to `table`), and a plot of
    the overall Drop% and Increase% with their intervals (to `figure`)."""
    rows = []
    for dataset, tables in read_scores(score_tables).items():
        for method, scores in tables.items():
            subsets = [("all", scores), ("correct", scores[scores["correct"]]),
                       ("misclassified", scores[~scores["correct"]])]
            subsets += [(f"class {c}", part) for c, part in scores.groupby("label_name")]
            for subset, part in subsets:
                rows.append({"dataset": dataset, "method": method, "subset": subset,
                             **summarize(part, seed=seed)})
    summary = pd.DataFrame(rows)
    save_csv(table, summary, float_format="%.6g")
    overall = summary.query("subset == 'all'")
    save_figure(figure, plots.drop_increase_bars(overall.assign(
        dataset=overall["dataset"].map(title), method=overall["method"].map(display))))


def compare_and_rank(score_tables, seed, *, paired, comparison, criteria, critical,
                  critical_figure):
    """The paired tests of every pair of methods under every metric (to `paired`; the Drop%
    ones also join the method-versus-method shares of lower drop, to `comparison`), each
    method's place per criterion with its bootstrap interval (to `criteria`) and the Friedman
    test with Nemenyi's critical difference (to `critical`, drawn to `critical_figure`)."""
    scores = read_scores(score_tables)
    tested = pd.concat([paired_tests(tables, seed=seed).assign(dataset=dataset)
                        for dataset, tables in scores.items()], ignore_index=True)
    save_csv(paired, tested[["dataset", *tested.columns[:-1]]], float_format="%.6g")
    drop = both_orders(tested.query("metric == 'drop_pct'").drop(columns="metric"))
    drop = drop.drop(columns="verdict").rename(columns={
        "n": "n_paired", "difference": "drop_pct_difference",
        "difference_lo": "drop_pct_difference_lo", "difference_hi": "drop_pct_difference_hi",
        "p": "drop_p", "p_holm": "drop_p_holm", "detectable": "drop_pct_detectable"}).assign(
        subset="all")
    pairs = pd.concat([compare_methods(tables).assign(dataset=dataset)
                       for dataset, tables in scores.items()], ignore_index=True)
    pairs = pairs.merge(drop, on=["dataset", "subset", "method_a", "method_b"], how="left")
    save_csv(comparison, pairs[["dataset", *pairs.columns.drop("dataset")]], float_format="%.6g")
    ranked = [(d, criterion_ranks(t, seed=seed), friedman_nemenyi(t)) for d, t in scores.items()]
    save_csv(criteria, _long([(d, r) for d, r, _ in ranked]), float_format="%.6g")
    save_csv(critical, _long([(d, f) for d, _, f in ranked]), float_format="%.6g")
    save_figure(critical_figure, plots.critical_difference({
        f"{title(d)}: {criterion}": ([display(m) for m in part["method"]],
                                       part["mean_rank"].to_numpy(), part["cd"].iloc[0],
                                       part["samples"].iloc[0], part["friedman_p"].iloc[0])
        for d, _, found in ranked for criterion, part in found.groupby("criterion", sort=False)}))


def check_metrics(score_tables, seed, *, ranks, agreement, agreement_figure, checks):
    """Each method's rank under every metric (to `ranks`), Kendall's tau between the metrics
    (to `agreement`, drawn to `agreement_figure`) and the metrics' reliability and
    ground-truth checks (to `checks`). The ranks come from each method's overall summary at
    full precision (the faithfulness table rounds to six digits, which would tie values
    that differ)."""
    scores = read_scores(score_tables)
    overall = pd.DataFrame([{"dataset": dataset, "method": method, **summarize(table, seed=seed)}
                            for dataset, tables in scores.items()
                            for method, table in tables.items()])
    ranked = {d: metric_ranks(part) for d, part in overall.groupby("dataset", sort=False)}
    taus = {dataset: kendall(part) for dataset, part in ranked.items()}
    save_csv(ranks, pd.concat([part.assign(dataset=d) for d, part in ranked.items()],
                              ignore_index=True)[["dataset", "method", "metric", "value", "rank"]],
             float_format="%.6g")
    save_csv(agreement, pd.concat([part.assign(dataset=d) for d, part in taus.items()],
                                  ignore_index=True)[["dataset", "metric_a", "metric_b", "tau", "n"]],
             float_format="%.6g")
    save_figure(agreement_figure, plots.metric_agreement(
        {title(d): _square(part) for d, part in taus.items()}))
    found = [(d, metric_checks(t, overall.query("dataset == @d"))) for d, t in scores.items()]
    save_csv(checks, _long(found), float_format="%.6g")


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
