"""The appendix's "Why these numbers": generated sentences on a small synthetic summary."""

import pandas as pd

from vxai.why import why_these_numbers


def row(dataset, method, drop, lo, hi, kept, exact, soft):
    return {"dataset": dataset, "method": method, "drop_pct": drop, "drop_pct_lo": lo,
            "drop_pct_hi": hi, "mean_kept_fraction": kept, "drop_exact_pct": exact,
            "drop_soft_pct": soft}


def test_sentences_name_ties_soft_masking_and_the_random_map():
    overall = pd.DataFrame([
        row("hmt", "sise", 80.1, 62.2, 93.5, 0.716, 45.5, 78.5),  # ties
        row("hmt", "gradcam", 60.8, 40.8, 79.0, 0.90, 60.8, 79.5),  # soft just outside
        row("hmt", "lime", 20.0, 10.0, 30.0, 0.90, 21.0, 25.0),  # overlaps the random map
        row("hmt", "random_map", 12.7, 4.5, 23.3, 0.90, 12.7, 87.3),
        row("hmt", "saliency", 3.0, 1.0, 4.4, 0.90, 3.0, 3.5),  # better than the random map
        row("mnist1d", "occlusion", 7.0, 4.7, 9.4, 0.25, 4.0, 8.0),  # ties, no random map
    ])
    rows = {(r["dataset"], r["method"]): r for r in why_these_numbers(
        overall, {"hmt": 0.9, "mnist1d": 0.3})}
    not_better = ("not better than the random map at the 95 % level (its Drop% is 12.7 "
                  "[4.5, 23.3])")
    assert rows["hmt", "sise"]["notes"] == [
        "ties: only 72 % of the pixels kept at k = 90 %; with ties broken at random "
        "(tie-exact) Drop% is 45.5, not 80.1", not_better]
    assert rows["hmt", "gradcam"]["notes"] == [
        "soft masking (the input times the [0, 1] map) gives Drop% 79.5", not_better]
    assert rows["hmt", "lime"]["notes"] == [not_better]
    assert rows["hmt", "random_map"]["notes"] == [
        "soft masking (the input times the [0, 1] map) gives Drop% 87.3"]
    assert rows["hmt", "sise"]["random_drop_pct"] == 12.7
    assert rows["hmt", "saliency"]["notes"] == []
    assert rows["mnist1d", "occlusion"]["notes"] == [
        "ties: only 25 % of the points kept at k = 30 %; with ties broken at random "
        "(tie-exact) Drop% is 4.0, not 7.0"]
    assert rows["mnist1d", "occlusion"]["random_drop_pct"] is None


def test_ties_inside_the_interval_need_no_sentence():
    overall = pd.DataFrame([row("mnist1d", "occlusion", 7.0, 4.7, 9.4, 0.25, 5.5, 8.0)])
    assert why_these_numbers(overall, {"mnist1d": 0.3})[0]["notes"] == []
