"""Why these numbers: per method, the assignment's Drop% beside the conventions that move it
(ties, tie-exact and soft masking), the random-map baseline and the map's reproducibility,
with a sentence wherever one of them lies outside the Drop% interval, the map does not
reproduce under a second seed, or some maps are constant."""

from vxai.methods.registry import RANDOM_MAP, display, spec
from vxai.metrics.reproducibility import REPRODUCIBLE

# what a map ranks, in words; "features" for your own datasets
FEATURES = {"mnist1d": "points", "hmt": "pixels"}


def _outside(value, row):
    return value == value and not row["drop_pct_lo"] <= value <= row["drop_pct_hi"]


def notes(row, keep_fraction, features, baseline=None, test_size=None):
    """Sentences for one method's overall row of faithfulness.csv (`baseline`: the random
    map's row of the same dataset, or None; `test_size`: the samples the other methods
    explain)."""
    found = []
    if test_size and row["n"] < test_size:
        found.append(f"explained on {row['n']} evenly spaced of the {test_size} test samples "
                     "(explain: samples), for its cost: its intervals are wider, and the "
                     "other methods' means cover every sample")
    kept = row["mean_kept_fraction"]
    if kept < keep_fraction - 0.005 and _outside(row["drop_exact_pct"], row):
        found.append(f"ties: only {100 * kept:.0f} % of the {features} kept at "
                     f"k = {100 * keep_fraction:.0f} %; with ties broken at random (tie-exact) "
                     f"Drop% is {row['drop_exact_pct']:.1f}, not {row['drop_pct']:.1f}")
    elif _outside(row["drop_exact_pct"], row):
        found.append(f"breaking ties at random (tie-exact) gives Drop% "
                     f"{row['drop_exact_pct']:.1f}")
    if _outside(row["drop_soft_pct"], row):
        found.append(f"soft masking (the input times the [0, 1] map) gives Drop% "
                     f"{row['drop_soft_pct']:.1f}")
    repro = row.get("reproducibility", float("nan"))
    if repro == repro and repro < REPRODUCIBLE:
        found.append(f"not reproducible: the maps of two seeds agree at Spearman {repro:.2f} "
                     f"[{row['reproducibility_lo']:.2f}, {row['reproducibility_hi']:.2f}] on "
                     f"{row['reproducibility_n']} samples, below {REPRODUCIBLE}; these scores "
                     "describe the method's noise as much as the model (raise its budget)")
    if row.get("unexplained_pct", 0) > 0:
        found.append(f"{row['unexplained_pct']:.1f} % of the maps are constant: the model's "
                     "output did not change under the method's perturbations, so those samples "
                     "are unexplained")
    if baseline is not None and row["method"] != RANDOM_MAP and (
            row["drop_pct_hi"] >= baseline["drop_pct_lo"]):  # lower Drop% is better
        found.append(f"not better than the random map at the 95 % level (its Drop% is "
                     f"{baseline['drop_pct']:.1f} [{baseline['drop_pct_lo']:.1f}, "
                     f"{baseline['drop_pct_hi']:.1f}])")
    return found


def why_these_numbers(overall, keep_fractions):
    """Rows for the appendix from the overall ('all') rows of faithfulness.csv (config keys
    in `dataset` and `method`, in the order to show): Drop% with its interval, kept fraction,
    tie-exact and soft Drop%, the random map's Drop% and the notes."""
    rows = []
    for dataset, part in overall.groupby("dataset", sort=False):
        records = part.to_dict("records")
        baseline = next((r for r in records if r["method"] == RANDOM_MAP), None)
        test_size = int(part["n"].max())
        for row in records:
            rows.append({**row, "random_drop_pct": baseline["drop_pct"] if baseline else None,
                         "notes": notes(row, keep_fractions[dataset], FEATURES.get(dataset, "features"),
                                        baseline, test_size)})
    return rows


def _settings(dataset_config, method):
    """A method's parameters in one run: the registry's defaults, then the config's values."""
    return {**spec(method).params, **(dataset_config.get("methods", {}).get(method) or {})}


def conventions_that_differ(default, course, dataset, method, origins):
    """'key: default value -> course value' for every setting of `method` on `dataset` that
    differs between the two runs' configs, after the model's origin when `origins` (this
    run's, the course run's) differ."""
    found = [f"model: {origins[0]} -> {origins[1]}"] if origins[0] != origins[1] else []
    ours, theirs = _settings(default[dataset], method), _settings(course[dataset], method)
    for key in sorted(set(ours) | set(theirs)):
        if ours.get(key) != theirs.get(key):
            found.append(f"{key}: {ours.get(key)} -> {theirs.get(key)}")
    return found


def course_comparison(overall, course_overall, default, course, origins):
    """Rows for the methods both runs scored (overall rows of faithfulness.csv keyed by
    `dataset` and `method` as in `why_these_numbers`): both Drop% with their intervals and
    the conventions that differ; `origins`: {dataset: (this run's model origin, the course
    run's)}."""
    theirs = {(r["dataset"], r["method"]): r for r in course_overall.to_dict("records")}
    rows = []
    for row in overall.to_dict("records"):
        other = theirs.get((row["dataset"], row["method"]))
        if other is None:
            continue
        rows.append({**row, "course_drop_pct": other["drop_pct"],
                     "course_drop_pct_lo": other["drop_pct_lo"],
                     "course_drop_pct_hi": other["drop_pct_hi"],
                     "course_increase_pct": other["increase_pct"],
                     "differences": conventions_that_differ(
                         default, course, row["dataset"], row["method"],
                         origins[row["dataset"]])})
    return rows


def budget_rows(convergence, configured):
    """Per method of a convergence table (a DataFrame as vxai.stages.convergence writes it):
    its display name, the budget it runs at (`configured`: {method: budget}), the budget the
    measurements support (`chosen`), the reproducibility at both, and a sentence."""
    rows = []
    for method, part in convergence.groupby("method", sort=False):
        part = part.sort_values("budget")
        chosen = part.loc[part["chosen"].astype(bool), "budget"]
        chosen = int(chosen.iloc[0]) if len(chosen) else None
        budget = configured.get(method)
        at_budget = part.loc[part["budget"] == budget, "reproducibility"]
        largest = part.iloc[-1]
        if chosen is None:
            note = (f"no measured budget up to {int(largest['budget'])} reproduces at "
                    f"{REPRODUCIBLE} (reaches {largest['reproducibility']:.2f}) with "
                    "faithfulness as at the largest; its maps are noise at these budgets on "
                    "this model")
        elif budget is not None and budget < chosen:
            note = f"runs below the smallest budget that reproduces ({chosen})"
        else:
            note = f"runs at or above the smallest budget that reproduces ({chosen})"
        rows.append({"method": method, "display": display(method), "budget": budget,
                     "chosen": chosen, "largest": int(largest["budget"]),
                     "reproducibility_at_budget": float(at_budget.iloc[0])
                     if len(at_budget) else None,
                     "reproducibility_at_largest": float(largest["reproducibility"]),
                     "note": note})
    return rows
