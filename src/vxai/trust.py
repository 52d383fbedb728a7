"""'Which method can I trust on this model?': plain sentences and tables, per dataset,
generated from the criterion ranks, the paired tests against the random map, the checks
of the metrics (vxai.statistics.comparison and .ranking) and the reproducibility of the
stochastic methods' maps."""

import numpy as np
import pandas as pd

from vxai.methods.registry import RANDOM_MAP, ordered, spec
from vxai.metrics.reproducibility import REPRODUCIBLE
from vxai.statistics.agreement import name as metric_name
from vxai.statistics.comparison import ALPHA, against
from vxai.statistics.ranking import RELIABLE, TENTATIVE, criteria
from vxai.tables import interval, present

SYMBOLS = {"better": "+", "not different": "=", "worse": "-"}


def _listed(names):
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _display(methods):
    return [spec(m).display for m in methods]


def _is_method(method):
    return spec(method).family != "baseline"


def _place(row):
    if row.place_lo == row.place_hi:
        return f"place {row.place_lo:g} in every bootstrap draw"
    return f"places {row.place_lo:g}–{row.place_hi:g}"


def criterion_sentences(ranks):
    """The best methods of each criterion with the interval of their place, and whether
    the criteria agree on the best method. `ranks`: criterion_ranks rows of one dataset."""
    sentences, best = [], {}
    for criterion, part in ranks.groupby("criterion", sort=False):
        part = part[[_is_method(m) for m in part["method"]]].sort_values("place", kind="stable")
        if part.empty:
            continue
        best[criterion] = part.iloc[0]["method"]
        top = [f"{spec(r.method).display} ({_place(r)})" for r in part.head(3).itertuples()]
        metrics = int(part.iloc[0]["metrics"])
        plural = "s" if metrics > 1 else ""
        samples = int(part.iloc[0]["samples"])
        sentences.append(f"{criterion.capitalize()} ({metrics} metric{plural}, up to {samples} "
                         f"sample{'s' if samples > 1 else ''}): {_listed(top)} rank highest.")
    winners = set(best.values())
    if len(winners) == 1 and len(best) > 1:
        sentences.append(f"Every criterion ranks {spec(winners.pop()).display} first.")
    elif len(best) > 1:
        firsts = [f"{c} ranks {spec(m).display} first" for c, m in best.items()]
        sentences.append("The criteria disagree (" + "; ".join(firsts) + "), so no single "
                         "method is the best overall: choose by the criterion that matters "
                         "for the question at hand.")
    return sentences


def trusted_metrics(checks, has_ground_truth):
    """The metrics that pass their check: the ground-truth check where the data has ground
    truth, else Krippendorff's alpha of at least TENTATIVE."""
    if checks.empty:
        return []
    if has_ground_truth:
        return list(checks.loc[checks["ground_truth"] == "passes", "metric"])
    return list(checks.loc[checks["reliability"] >= TENTATIVE, "metric"])


def control_sentences(pairs, trusted, criterion="faithfulness"):
    """Which methods beat the random map, on the same samples, under every `trusted` metric
    of a criterion, some of them, or none (Holm-corrected Wilcoxon tests at 5 %); where no
    metric of the criterion is trusted, that this section cannot say."""
    columns = [c for c in criteria().get(criterion, []) if c in trusted]
    if not columns:
        return [f"No {criterion} metric passes its check on this dataset, so this section does "
                "not say which methods beat the random map: the verdicts below are each "
                "metric's own, and none of them can be relied on here."]
    versus = against(pairs, RANDOM_MAP)
    versus = versus[versus["metric"].isin(columns) & versus["method"].map(_is_method)]
    if versus.empty:
        return []
    counts = versus.groupby("method", sort=False)["verdict"].agg(
        better=lambda v: int((v == "better").sum()), total="size")
    counts = counts.reindex(ordered(counts.index))
    every = counts.index[counts["better"] == counts["total"]]
    none = counts.index[counts["better"] == 0]
    some = counts.index[(counts["better"] > 0) & (counts["better"] < counts["total"])]
    total = int(counts["total"].max())
    metrics = (f"{total} {criterion} metrics that pass their check" if total > 1
               else f"one {criterion} metric that passes its check")
    sentences = []
    for methods, how in ((every, f"under all {metrics}" if total > 1 else f"under the {metrics}"),
                         (some, f"under some of the {metrics}"),
                         (none, f"under none of the {metrics}" if total > 1 else
                          f"not under the {metrics}")):
        if len(methods):
            verb = "beats" if len(methods) == 1 else "beat"
            sentences.append(f"{_listed(_display(methods))} {verb} the random map {how}, on "
                             f"the same samples (Wilcoxon, Holm-corrected, p < {ALPHA:g}).")
    return sentences


def check_sentences(checks, has_ground_truth):
    """Which metrics pass the ground-truth check (where there is ground truth) and which
    rank the methods most and least reliably over samples."""
    sentences = []
    if has_ground_truth and "ground_truth" in checks:
        tested = checks.dropna(subset=["ground_truth"])
        passed = tested.query("ground_truth == 'passes'")["metric"]
        failed = tested.query("ground_truth == 'fails'")["metric"]
        if len(passed):
            sentences.append(f"{_listed(metric_name(m) for m in passed)} order the methods as "
                             "their localization of the ground truth does (Spearman with "
                             f"relevance mass and template IoU positive, p < {ALPHA:g}).")
        if len(failed):
            sentences.append(f"{_listed(metric_name(m) for m in failed)} do not pass that "
                             "ground-truth check.")
    else:
        sentences.append("There is no ground truth for the maps on this dataset, so only the "
                         "metrics' reliability over samples is reported.")
    reliable = checks.dropna(subset=["reliability"]).sort_values("reliability", kind="stable")
    sentences += floor_sentences(reliable)
    if len(reliable) >= 2:
        high, low = reliable.iloc[-1], reliable.iloc[0]
        sentences.append(f"Ranked by Krippendorff's alpha over samples, "
                         f"{metric_name(high['metric'])} orders the methods most consistently "
                         f"(alpha {high['reliability']:.2f}), {metric_name(low['metric'])} least "
                         f"(alpha {low['reliability']:.2f}).")
    return sentences


def reproducibility_sentences(overall):
    """Reproducibility as a check, not a ranking: which stochastic methods' maps reproduce
    under another seed (mean Spearman of the two seeds' maps at least REPRODUCIBLE) and which
    do not. `overall`: the dataset's faithfulness summary rows (method, reproducibility,
    reproducibility_n)."""
    rows = overall[[_is_method(m) for m in overall["method"]]]
    if "reproducibility" not in rows or rows["reproducibility"].isna().all():
        return []
    rows = rows.set_index("method").loc[ordered(rows["method"])]
    stochastic = rows[[spec(m).stochastic for m in rows.index]].dropna(subset=["reproducibility"])
    sentences = ["Reproducibility is a check, not a criterion to rank on: a deterministic "
                 "method gives the same map under another seed by construction."]
    if stochastic.empty:
        return sentences
    samples = int(stochastic["reproducibility_n"].max())
    passed = stochastic.index[stochastic["reproducibility"] >= REPRODUCIBLE]
    failed = stochastic[stochastic["reproducibility"] < REPRODUCIBLE]
    if len(passed):
        verb = "reproduces" if len(passed) == 1 else "reproduce"
        sentences.append(f"Of the stochastic methods, {_listed(_display(passed))} {verb} "
                         f"(mean Spearman of two seeds' maps at least {REPRODUCIBLE:g}, up to "
                         f"{samples} samples).")
    if len(failed):
        named = [f"{spec(m).display} ({r:.2f})" for m, r in failed["reproducibility"].items()]
        verb = "does" if len(failed) == 1 else "do"
        sentences.append(f"{_listed(named)} {verb} not reach {REPRODUCIBLE:g}: "
                         f"{'its' if len(failed) == 1 else 'their'} maps change with the seed, "
                         "so the scores above describe one draw of them.")
    return sentences


def _verdict_cell(row):
    """'+', '-', or '=' with the smallest difference the samples could have detected."""
    if row.verdict != "not different":
        return SYMBOLS[row.verdict]
    if not np.isfinite(row.detectable):
        return "= (n too small)"
    return f"= (≤ {row.detectable:.2g})"


def floor_sentences(checks):
    """Which metrics reach Krippendorff's floors of alpha: RELIABLE for reliable conclusions,
    TENTATIVE for tentative ones."""
    if checks.empty:
        return []
    names = {level: [metric_name(m) for m in checks.loc[mask, "metric"]] for level, mask in (
        ("reliable", checks["reliability"] >= RELIABLE),
        ("tentative", checks["reliability"].between(TENTATIVE, RELIABLE, inclusive="left")))}
    below = int((checks["reliability"] < TENTATIVE).sum())
    if not names["reliable"] and not names["tentative"]:
        return [f"No metric's Krippendorff's alpha reaches {TENTATIVE:g}, the floor for "
                "tentative conclusions: none orders the methods consistently across samples "
                "on this dataset."]
    parts = []
    if names["reliable"]:
        parts.append(f"reaches {RELIABLE:g}, the floor for reliable conclusions, for "
                     f"{_listed(names['reliable'])}")
    if names["tentative"]:
        parts.append(f"{'reaches ' if not parts else ''}{TENTATIVE:g}, the floor for tentative "
                     f"ones, for {_listed(names['tentative'])}")
    tail = (f"; the other {below} metric{'s stay' if below > 1 else ' stays'} below "
            f"{TENTATIVE:g}" if below else "")
    return ["Krippendorff's alpha " + "; ".join(parts) + tail + "."]


def verdict_table(pairs, methods):
    """Methods x metrics of '+' (significantly better than the random map on the same
    samples), '-' (worse) or '= (≤ X)': not different, where the samples could have
    detected a difference of X or more (80 % power)."""
    versus = against(pairs, RANDOM_MAP)
    versus = versus[versus["method"].isin(methods)]
    if versus.empty:
        return pd.DataFrame()
    versus = versus.assign(cell=[_verdict_cell(row) for row in versus.itertuples()])
    table = versus.pivot(index="method", columns="metric", values="cell")
    table = table.reindex(index=[m for m in ordered(methods) if m in table.index],
                          columns=[c for columns in criteria().values() for c in columns
                                   if c in table.columns])
    return table.set_axis(_display(table.index), axis=0).set_axis(
        [metric_name(c) for c in table.columns], axis=1).fillna("")


def place_table(ranks):
    """Methods x criteria of 'place [low–high]'."""
    if ranks.empty:
        return pd.DataFrame()
    text = ranks.assign(text=[f"{r.place:g} [{r.place_lo:g}–{r.place_hi:g}]"
                              for r in ranks.itertuples()])
    table = text.pivot(index="method", columns="criterion", values="text")
    table = table.reindex(index=ordered(table.index),
                          columns=[c for c in criteria() if c in table.columns])
    return table.set_axis(_display(table.index), axis=0).fillna("")


def trust_section(ranks, pairs, checks, has_ground_truth, *, overall=None):
    """Sentences and tables of one dataset's 'Which method can I trust on this model?';
    `overall`: its faithfulness summary rows, for the reproducibility check (None: none)."""
    methods = list(ranks["method"].unique()) if not ranks.empty else []
    trusted = trusted_metrics(checks, has_ground_truth)
    return {
        "sentences": (criterion_sentences(ranks) + control_sentences(pairs, trusted)
                      + check_sentences(checks, has_ground_truth)
                      + (reproducibility_sentences(overall) if overall is not None else [])),
        "places": place_table(ranks),
        "verdicts": verdict_table(pairs, methods),
        "checks": checks_table(checks),
    }


def checks_table(checks):
    """The metric checks with names people read."""
    if checks.empty:
        return pd.DataFrame()
    if "reliability_lo" in checks:
        checks = checks.assign(reliability=[
            interval(r.reliability, r.reliability_lo, r.reliability_hi, digits=2)
            if present(r.reliability) else "" for r in checks.itertuples()])
    shown = {"reliability": "Krippendorff's alpha", "samples": "samples",
             "rho_relevance_mass": "Spearman with relevance mass",
             "rho_template_iou": "Spearman with template IoU", "ground_truth": "ground truth"}
    table = checks.set_index("metric")[[c for c in shown if c in checks]]
    table = table.apply(lambda col: col.map(lambda v: f"{v:.2f}" if isinstance(v, float)
                                            and np.isfinite(v) else ("" if isinstance(v, float)
                                                                     else v)))
    return table.set_axis([metric_name(m) for m in table.index], axis=0).rename(columns=shown)
