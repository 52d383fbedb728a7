"""Paired tests, ranks with uncertainty and the checks of the metrics, on synthetic per-sample
scores whose answer is known."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import friedmanchisquare

from vxai.statistics.comparison import against, both_orders, holm, paired_tests
from vxai.statistics.critical import critical_difference
from vxai.statistics.ranking import (
    criterion_ranks,
    friedman_nemenyi,
    krippendorff_alpha,
    metric_checks,
)


def scores(drop, ids=None, **columns):
    """A per-sample score table of one method."""
    ids = np.arange(len(drop)) if ids is None else ids
    return pd.DataFrame({"id": ids, "drop": drop, **columns})


def planted(n=60, margin=0.1, seed=0):
    """Grad-CAM's drop lower than Saliency's by `margin` on every sample (plus noise), LRP
    equal to Saliency, and the random map worst."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.3, 0.6, n)
    noise = rng.normal(0, 0.01, n)
    return {"gradcam": scores(base - margin + noise), "saliency": scores(base),
            "lrp": scores(base.copy()), "random_map": scores(base + 0.3)}


def pair(pairs, a, b):
    return both_orders(pairs).query("method_a == @a and method_b == @b").iloc[0]


def test_a_method_planted_better_is_found_better_and_identical_ones_are_not():
    pairs = paired_tests(planted(), seed=0).query("metric == 'drop_pct'")
    row = pair(pairs, "gradcam", "saliency")
    assert row["verdict"] == "better" and row["p_holm"] < 1e-6
    assert row["difference_lo"] < 10 < row["difference_hi"]  # Drop% points, a better
    same = pair(pairs, "saliency", "lrp")
    assert same["verdict"] == "not different" and same["difference"] == 0 and same["p"] == 1
    versus = against(pairs, "random_map").set_index("method")
    assert (versus["verdict"] == "better").all()
    assert against(pairs, "gradcam").set_index("method").loc["saliency", "verdict"] == "worse"


def test_pairs_use_only_the_samples_both_methods_explained():
    tables = planted()
    tables["rise"] = scores(tables["gradcam"]["drop"].to_numpy()[::3], ids=np.arange(0, 60, 3))
    pairs = paired_tests(tables).query("metric == 'drop_pct'")
    assert pair(pairs, "gradcam", "rise")["n"] == 20


def test_holm_equals_statsmodels():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    p = np.random.default_rng(3).uniform(0, 0.1, 12)
    p[[2, 7]] = [1e-4, 0.03]
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)
    # a hand example: sorted 0.01, 0.02, 0.03 times 3, 2, 1 -> 0.03, 0.04, 0.04 (monotone)
    np.testing.assert_allclose(holm([0.03, 0.01, 0.02, np.nan])[:3], [0.04, 0.03, 0.04])
    assert np.isnan(holm([0.03, 0.01, 0.02, np.nan])[3])


def test_friedman_matches_scipy_and_the_critical_difference_matches_demsar():
    # Demsar (2006), section 3.2.2: k = 4 classifiers, N = 14 data sets, q_0.05 = 2.569,
    # critical difference 1.25
    assert critical_difference(4, 14) == pytest.approx(1.25, abs=0.005)
    assert critical_difference(2, 10) == pytest.approx(1.960 * np.sqrt(2 * 3 / 60), rel=1e-3)
    rng = np.random.default_rng(1)
    drops = {m: rng.uniform(0, 1, 25) + shift for m, shift in
             (("gradcam", 0.0), ("saliency", 0.2), ("lrp", 0.4), ("rise", 0.1))}
    tables = {m: scores(v) for m, v in drops.items()}
    found = friedman_nemenyi(tables).query("criterion == 'faithfulness'")
    # lower drop is better: scipy's statistic is symmetric in the direction
    assert found["friedman_chi2"].iloc[0] == pytest.approx(
        friedmanchisquare(*drops.values()).statistic, rel=1e-12)
    ranks = found.set_index("method")["mean_rank"]
    assert ranks.idxmin() == "gradcam" and ranks.idxmax() == "lrp"
    assert ranks.sum() == pytest.approx(4 * 5 / 2)


def test_krippendorffs_alpha_equals_the_textbook_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units
    nan = np.nan
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha(data, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]]) == pytest.approx(1.0)


def test_ranks_carry_an_interval_and_a_consistent_metric_is_reliable():
    tables = planted(n=80, margin=0.1)
    ranks = criterion_ranks(tables, seed=0, n_boot=100).query("criterion == 'faithfulness'")
    places = ranks.set_index("method")
    assert places.loc["gradcam", "place"] == 1 and places.loc["random_map", "place"] == 4
    assert places.loc["gradcam", "place_hi"] == 1  # always first
    assert places.loc["saliency", "place"] == places.loc["lrp", "place"] == 2.5  # equal maps tie
    close = {**tables, "lrp": tables["lrp"].assign(
        drop=tables["lrp"]["drop"] + np.random.default_rng(1).normal(0, 0.05, 80))}
    near = criterion_ranks(close, n_boot=100).query("criterion == 'faithfulness'").set_index("method")
    assert near.loc["saliency", "place_lo"] == 2 and near.loc["saliency", "place_hi"] == 3
    overall = pd.DataFrame({"method": list(tables), "drop_pct": [1.0, 2.0, 2.0, 3.0]})
    checks = metric_checks(tables, overall).set_index("metric")
    assert checks.loc["drop_pct", "reliability"] > 0.8
    assert "ground_truth" not in checks  # no localization: no ground truth to check against
    rng = np.random.default_rng(0)
    noisy = {m: scores(rng.uniform(0, 1, 80)) for m in tables}
    assert metric_checks(noisy, overall).set_index("metric").loc["drop_pct", "reliability"] < 0.2


def test_the_ground_truth_check_passes_a_metric_that_orders_methods_as_localization_does():
    n, methods = 40, ["gradcam", "saliency", "lrp", "rise", "lime", "occlusion"]
    rng = np.random.default_rng(0)
    tables = {m: scores(rng.uniform(0, 0.1, n) + 0.1 * i,
                        relevance_mass=rng.uniform(0, 0.1, n) + 0.9 - 0.1 * i,
                        template_iou=rng.uniform(0, 0.1, n) + 0.8 - 0.1 * i)
              for i, m in enumerate(methods)}
    overall = pd.DataFrame({"method": methods,
                            "drop_pct": [100 * t["drop"].mean() for t in tables.values()],
                            "relevance_mass": [t["relevance_mass"].mean() for t in tables.values()],
                            "template_iou": [t["template_iou"].mean() for t in tables.values()]})
    checks = metric_checks(tables, overall).set_index("metric")
    assert checks.loc["drop_pct", "ground_truth"] == "passes"
    assert checks.loc["drop_pct", "rho_relevance_mass"] == pytest.approx(1.0)
    backwards = {m: t.assign(drop=1 - t["drop"]) for m, t in tables.items()}
    assert metric_checks(backwards, overall).set_index("metric").loc[
        "drop_pct", "ground_truth"] == "fails"


def test_the_trust_section_says_what_the_tables_say():
    from vxai.trust import trust_section

    tables = planted(n=60)
    rng = np.random.default_rng(2)
    for i, method in enumerate(tables):  # a robustness metric on which LRP is best
        tables[method]["max_sensitivity"] = rng.uniform(0, 0.05, 60) + (0.5 if method != "lrp"
                                                                         else 0.0) + 0.01 * i
    pairs = paired_tests(tables, seed=0)
    ranks = criterion_ranks(tables, seed=0, n_boot=50)
    overall = pd.DataFrame({"method": list(tables)})
    found = trust_section(ranks, pairs, metric_checks(tables, overall), has_ground_truth=False)
    text = " ".join(found["sentences"])
    assert ("Faithfulness (1 metric, up to 60 samples): Grad-CAM (place 1 in every bootstrap "
            "draw), LRP (place 2.5 in every bootstrap draw)") in text
    assert "The criteria disagree (faithfulness ranks Grad-CAM first; robustness ranks LRP first)" in text
    assert "Grad-CAM, LRP and Saliency beat the random map under the one faithfulness metric" in text
    assert "Drop% orders the methods most consistently (alpha 1.00)" in text
    assert "Krippendorff's alpha reaches 0.8, the floor for reliable conclusions, for " in text
    assert "under the one faithfulness metric that passes its check" in text
    assert "no ground truth" in text
    # metrics that order the methods no better than chance: nothing leans on them
    checks = metric_checks(tables, overall).assign(reliability=0.3)
    unsure = " ".join(trust_section(ranks, pairs, checks, has_ground_truth=False)["sentences"])
    assert "No faithfulness metric passes its check on this dataset" in unsure
    assert not re.search(r"(beat|beats) the random map (under|not)", unsure)
    assert "No metric's Krippendorff's alpha reaches 0.667" in unsure
    assert list(found["verdicts"].index) == ["Grad-CAM", "LRP", "Saliency"]
    assert set(found["verdicts"]["Drop%"]) == {"+"}
    assert found["places"].loc["Grad-CAM", "faithfulness"] == "1 [1–1]"


def test_reproducibility_is_a_check_not_a_criterion_to_rank_on():
    """Every deterministic method reproduces exactly, so ranking on reproducibility would
    tie them all: the criteria leave it out, and the trust section says which stochastic
    methods reproduce and which do not."""
    from vxai.statistics.ranking import criteria
    from vxai.trust import reproducibility_sentences

    tables = planted(n=30)
    for method, table in tables.items():
        table["reproducibility"] = 1.0 if method != "random_map" else 0.0
    assert "reproducibility" not in criteria()
    ranks = criterion_ranks(tables, seed=0, n_boot=20)
    assert "reproducibility" not in set(ranks["criterion"])
    assert "reproducibility" not in set(friedman_nemenyi(tables)["criterion"])
    overall = pd.DataFrame({"method": ["gradcam", "rise", "lime", "smoothgrad", "random_map"],
                            "reproducibility": [1.0, 0.58, 0.93, 0.9, 0.01],
                            "reproducibility_n": [8, 8, 8, 8, 8]})
    text = " ".join(reproducibility_sentences(overall))
    assert "a check, not a criterion to rank on" in text
    assert ("Of the stochastic methods, SmoothGrad, RISE and LIME" not in text
            and "SmoothGrad and LIME reproduce (mean Spearman of two seeds' maps at least 0.9, "
                "up to 8 samples)" in text), text
    assert "RISE (0.58) does not reach 0.9" in text
    assert "Random map" not in text and "Grad-CAM" not in text


def test_not_different_from_the_random_map_says_by_how_much():
    """A method whose drops are the random map's plus noise: not different, and the verdict
    cell carries the smallest difference those 60 samples could have detected, which the
    observed difference is well below."""
    from vxai.trust import verdict_table

    tables = planted(n=60)
    noise = np.random.default_rng(5).normal(0, 0.02, 60)
    tables["lime"] = scores(tables["random_map"]["drop"].to_numpy() + noise)
    pairs = paired_tests(tables, seed=0)
    row = pair(pairs.query("metric == 'drop_pct'"), "lime", "random_map")
    assert row["verdict"] == "not different" and abs(row["difference"]) < row["detectable"]
    assert 0 < row["detectable"] < 5  # Drop% points: the noise is 2 points per sample
    table = verdict_table(pairs, ["lime", "gradcam"])
    assert table.loc["LIME", "Drop%"] == f"= (≤ {row['detectable']:.2g})"
    assert table.loc["Grad-CAM", "Drop%"] == "+"


def test_the_interval_of_krippendorffs_alpha_covers_the_population_value():
    """Samples ranking 8 methods of planted quality with noise: the population's alpha from
    20,000 samples lies within the 95 % jackknife interval of 40 samples in about 95 % of
    draws (measured 94 %; 90 % with 12 samples), and the interval holds its estimate (a
    bootstrap that draws a sample twice inflates alpha above it)."""
    from scipy.stats import rankdata

    from vxai.statistics.ranking import reliability

    rng = np.random.default_rng(1)
    quality = np.linspace(0, 2, 8)

    def draw(n):
        return rankdata(-(quality + rng.normal(0, 1.0, (n, 8))), axis=1)

    population = krippendorff_alpha(draw(20000))
    found = [reliability(draw(40)) for _ in range(200)]
    assert all(low <= alpha <= high for alpha, low, high in found)
    assert 0.9 <= np.mean([low <= population <= high for _, low, high in found]) <= 0.99
    assert np.isnan(reliability(draw(2))[1]) and np.isnan(reliability(draw(1))[0])
