"""The appendix's "Why these numbers": generated sentences on a small synthetic summary."""

import pandas as pd

from vxai.why import why_these_numbers


def row(dataset, method, drop, lo, hi, kept, exact, soft, n=496):
    return {"dataset": dataset, "method": method, "n": n, "drop_pct": drop, "drop_pct_lo": lo,
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


def test_the_course_profile_goes_beside_with_the_settings_that_differ():
    from vxai.why import course_comparison

    ours = pd.DataFrame([row("hmt", "gradcam", 63.2, 59.0, 67.0, 0.90, 63.2, 70.0),
                         row("hmt", "rise", 45.0, 40.0, 50.0, 0.90, 45.0, 60.0),
                         row("mnist1d", "gradcam", 30.0, 28.0, 32.0, 0.30, 30.0, 31.0)])
    theirs = pd.DataFrame([row("hmt", "gradcam", 50.3, 46.5, 54.3, 0.90, 50.3, 60.0),
                           row("mnist1d", "gradcam", 42.5, 40.0, 45.0, 0.27, 42.0, 44.0)])
    for frame in (ours, theirs):
        frame["increase_pct"] = 20.0
    default = {"hmt": {"methods": {"gradcam": {"layer": None}, "rise": {"masks": 50}}},
               "mnist1d": {"methods": {"gradcam": {"layer": None}}}}
    course = {"hmt": {"methods": {"gradcam": {"layer": "max_pooling2d_1",
                                              "score": "probability", "upsample": "cubic"}}},
              "mnist1d": {"methods": {"gradcam": {"layer": None}}}}
    origins = {"hmt": ("imported", "imported"), "mnist1d": ("trained", "imported")}
    rows = {(r["dataset"], r["method"]): r
            for r in course_comparison(ours, theirs, default, course, origins)}
    assert set(rows) == {("hmt", "gradcam"), ("mnist1d", "gradcam")}  # RISE: only here
    assert rows["hmt", "gradcam"]["course_drop_pct"] == 50.3
    assert rows["hmt", "gradcam"]["differences"] == [
        "layer: None -> max_pooling2d_1", "score: logit -> probability",
        "upsample: bilinear -> cubic"]
    assert rows["mnist1d", "gradcam"]["differences"] == ["model: trained -> imported"]


def test_a_map_that_does_not_reproduce_or_is_constant_gets_a_sentence():
    overall = pd.DataFrame([
        {**row("hmt", "rise", 20.0, 10.0, 30.0, 0.90, 20.0, 25.0), "reproducibility": 0.16,
         "reproducibility_lo": 0.05, "reproducibility_hi": 0.27, "reproducibility_n": 8,
         "unexplained_pct": 37.5},
        {**row("hmt", "gradcam", 20.0, 10.0, 30.0, 0.90, 20.0, 25.0), "reproducibility": 1.0,
         "reproducibility_lo": 1.0, "reproducibility_hi": 1.0, "reproducibility_n": 8,
         "unexplained_pct": 0.0},
    ])
    rows = {r["method"]: r for r in why_these_numbers(overall, {"hmt": 0.9})}
    assert rows["rise"]["notes"] == [
        "not reproducible: the maps of two seeds agree at Spearman 0.16 [0.05, 0.27] on 8 "
        "samples, below 0.9; these scores describe the method's noise as much as the model "
        "(raise its budget)",
        "37.5 % of the maps are constant: the model's output did not change under the "
        "method's perturbations, so those samples are unexplained"]
    assert rows["gradcam"]["notes"] == []


def test_a_method_explained_on_a_subset_says_so():
    overall = pd.DataFrame([row("hmt", "gradcam", 20.0, 10.0, 30.0, 0.90, 20.0, 25.0),
                            row("hmt", "deduce", 20.0, 10.0, 30.0, 0.90, 20.0, 25.0, n=64)])
    rows = {r["method"]: r for r in why_these_numbers(overall, {"hmt": 0.9})}
    assert rows["deduce"]["notes"] == [
        "explained on 64 evenly spaced of the 496 test samples (explain: samples), for its "
        "cost: its intervals are wider, and the other methods' means cover every sample"]
    assert rows["gradcam"]["notes"] == []
