"""Why these numbers: per method, the assignment's Drop% beside the conventions that move it
(ties, tie-exact and soft masking) and the random-map baseline, with a sentence wherever
one of them lies outside the Drop% interval."""

FEATURES = {"mnist1d": "points", "hmt": "pixels"}
BASELINE = "random_map"


def _outside(value, row):
    return value == value and not row["drop_pct_lo"] <= value <= row["drop_pct_hi"]


def notes(row, keep_fraction, features, baseline=None):
    """Sentences for one method's overall row of faithfulness.csv (`baseline`: the random
    map's row of the same dataset, or None)."""
    found = []
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
    if baseline is not None and row["method"] != BASELINE and (
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
        baseline = next((r for r in records if r["method"] == BASELINE), None)
        for row in records:
            rows.append({**row, "random_drop_pct": baseline["drop_pct"] if baseline else None,
                         "notes": notes(row, keep_fractions[dataset], FEATURES[dataset],
                                        baseline)})
    return rows
