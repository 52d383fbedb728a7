"""The statistics against independent references, on every branch: the Wilcoxon signed-rank
p against the null distribution enumerated by hand and the normal approximation written out,
the critical-difference groups against scikit-posthocs' Nemenyi test on Demsar's (2006) data,
Krippendorff's alpha against the `krippendorff` package on inputs shaped like the
pipeline's, and the detectable difference against the power of the test simulated."""

import itertools

import numpy as np
import pytest
from scipy.stats import friedmanchisquare, norm, rankdata, wilcoxon

from vxai.statistics.comparison import ALPHA, detectable_difference, wilcoxon_p
from vxai.statistics.critical import critical_difference, nemenyi_groups
from vxai.statistics.ranking import krippendorff_alpha


def exact_p(d):
    """Two-sided p of the signed-rank statistic from all 2^n sign patterns of the nonzero
    differences' ranks (no ties among them)."""
    nonzero = d[d != 0]
    ranks = rankdata(np.abs(nonzero))
    observed = ranks[nonzero > 0].sum()
    sums = np.array([np.dot(signs, ranks) for signs in itertools.product((0, 1),
                                                                         repeat=len(ranks))])
    return min(1.0, 2 * min((sums <= observed).mean(), (sums >= observed).mean()))


def normal_p(d):
    """Two-sided p of the normal approximation with the tie correction, zeros dropped."""
    nonzero = d[d != 0]
    n = len(nonzero)
    ranks = rankdata(np.abs(nonzero))
    _, ties = np.unique(np.abs(nonzero), return_counts=True)
    mean = n * (n + 1) / 4
    variance = n * (n + 1) * (2 * n + 1) / 24 - (ties ** 3 - ties).sum() / 48
    z = (ranks[nonzero > 0].sum() - mean) / np.sqrt(variance)
    return 2 * norm.sf(abs(z))


def test_wilcoxon_exact_branch_equals_the_enumerated_null():
    rng = np.random.default_rng(0)
    for n in (5, 9, 14):
        d = rng.normal(0.3, 1, n)
        assert wilcoxon_p(d) == pytest.approx(exact_p(d), rel=1e-9)
        assert wilcoxon_p(d) == pytest.approx(wilcoxon(d, method="exact").pvalue, rel=1e-12)


@pytest.mark.parametrize("case", ["ties", "zeros", "above-50"])
def test_wilcoxon_approximate_branch_equals_the_normal_approximation(case):
    rng = np.random.default_rng(1)
    d = {"ties": np.round(rng.normal(0.5, 1, 30), 1),             # tied |d|
         "zeros": np.where(np.arange(30) % 5 == 0, 0.0, rng.normal(0.5, 1, 30)),
         "above-50": rng.normal(0.2, 1, 80)}[case]
    assert wilcoxon_p(d) == pytest.approx(normal_p(d), rel=1e-9)
    # scipy's normal approximation with the same conventions, for the record
    reference = wilcoxon(d, zero_method="wilcox", method="approx", correction=False).pvalue
    assert wilcoxon_p(d) == pytest.approx(reference, rel=1e-9)


def test_wilcoxon_of_no_difference_is_one():
    assert wilcoxon_p(np.zeros(12)) == 1.0


# Demsar (2006), Table 6: AUC of C4.5 and three tuned variants on 14 data sets
DEMSAR_NAMES = ["C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf"]
DEMSAR_AUC = np.array([
    [0.763, 0.768, 0.771, 0.798], [0.599, 0.591, 0.590, 0.569], [0.954, 0.971, 0.968, 0.967],
    [0.628, 0.661, 0.654, 0.657], [0.882, 0.888, 0.886, 0.898], [0.936, 0.931, 0.916, 0.931],
    [0.661, 0.668, 0.609, 0.685], [0.583, 0.583, 0.563, 0.625], [0.775, 0.838, 0.866, 0.875],
    [1.000, 1.000, 1.000, 1.000], [0.940, 0.962, 0.965, 0.962], [0.619, 0.666, 0.614, 0.669],
    [0.972, 0.981, 0.975, 0.975], [0.957, 0.978, 0.946, 0.970]])


def posthoc_groups(scores, names, alpha=0.05):
    """The maximal runs of methods, sorted by mean rank, whose every pair scikit-posthocs'
    Nemenyi test (after Friedman) leaves not significant."""
    import scikit_posthocs

    p = scikit_posthocs.posthoc_nemenyi_friedman(scores).to_numpy()
    ranks = rankdata(-scores, axis=1).mean(axis=0)
    order = np.argsort(ranks, kind="stable")
    runs = []
    for i in range(len(order)):
        j = i
        while j + 1 < len(order) and all(p[order[a], order[j + 1]] >= alpha
                                          for a in range(i, j + 1)):
            j += 1
        runs.append((i, j))
    maximal = [(i, j) for i, j in runs if j > i and not any(
        a <= i and j <= b and (a, b) != (i, j) for a, b in runs)]
    return [[names[order[k]] for k in range(i, j + 1)] for i, j in maximal]


def our_groups(scores, names):
    ranks = rankdata(-scores, axis=1).mean(axis=0)  # 1 = the highest score
    k, n = scores.shape[1], scores.shape[0]
    p = friedmanchisquare(*scores.T).pvalue
    return nemenyi_groups(names, ranks, critical_difference(k, n), p)


def test_demsars_example_gives_his_ranks_and_one_group_as_scikit_posthocs():
    ranks = rankdata(-DEMSAR_AUC, axis=1).mean(axis=0)
    # the paper ranks its unrounded AUCs; rounded to three decimals, two data sets tie
    # C4.5+cf with C4.5+m+cf, which moves their mean ranks by 1/28 each
    np.testing.assert_allclose(ranks, [3.143, 2.000, 2.893, 1.964], atol=0.036)
    assert friedmanchisquare(*DEMSAR_AUC.T).pvalue < 0.05  # chi2 = 9.28 in the paper
    groups = our_groups(DEMSAR_AUC, DEMSAR_NAMES)
    # no pair differs by the CD of 1.25 (the largest gap is 1.179): one bar joins all four
    assert groups == posthoc_groups(DEMSAR_AUC, DEMSAR_NAMES)
    assert groups == [["C4.5+m+cf", "C4.5+m", "C4.5+cf", "C4.5"]]


def test_planted_differences_give_the_groups_scikit_posthocs_gives():
    rng = np.random.default_rng(3)
    names = ["a", "b", "c", "d", "e"]
    scores = rng.normal(0, 1, (40, 5)) + np.array([0.0, 0.1, 1.0, 1.1, 2.5])
    groups = our_groups(scores, names)
    assert groups == posthoc_groups(scores, names)
    assert len(groups) >= 2 and ["e"] not in groups  # e stands alone: no bar


def test_no_groups_are_drawn_when_friedman_does_not_reject():
    rng = np.random.default_rng(4)
    scores = rng.normal(0, 1, (12, 4))
    assert friedmanchisquare(*scores.T).pvalue >= 0.05
    assert our_groups(scores, list("abcd")) == []


@pytest.mark.parametrize("level", ["ordinal", "interval"])
def test_krippendorffs_alpha_equals_the_package_on_pipeline_shaped_ranks(level):
    """Hundreds of samples (raters) ranking a dozen methods (units), fractional tied ranks
    and missing values, as metric_checks builds them."""
    import krippendorff

    rng = np.random.default_rng(5)
    quality = np.linspace(0, 2, 12)
    scores = np.round(quality + rng.normal(0, 1.5, (300, 12)), 1)  # rounding makes ties
    ranks = rankdata(-scores, axis=1, method="average")
    ranks[rng.random(ranks.shape) < 0.05] = np.nan
    ours = krippendorff_alpha(ranks, level)
    reference = krippendorff.alpha(reliability_data=ranks, level_of_measurement=level)
    assert ours == pytest.approx(reference, abs=1e-9)
    assert 0.05 < ours < 0.9  # neither noise nor agreement: the check is not at a bound


@pytest.mark.parametrize("n, comparisons", [(8, 1), (16, 276), (30, 1), (40, 20), (64, 276),
                                            (200, 276)])
def test_the_detectable_difference_is_detected_with_80_percent_power(n, comparisons):
    """Normal paired differences whose mean is the detectable difference at their standard
    deviation: the pipeline's Wilcoxon test at alpha / comparisons rejects in 80 % of
    simulated runs (measured 79-86 %; 95 % of 600 runs fall within 3.3 points of the rate);
    at half of it, in far fewer."""
    rng = np.random.default_rng(n)
    spread = rng.normal(size=n)
    spread = 2.0 * (spread - spread.mean()) / spread.std(ddof=1)  # standard deviation 2
    shift = detectable_difference(spread, comparisons)
    level = ALPHA / comparisons

    def rejected(mean):
        return np.mean([wilcoxon_p(rng.normal(mean, 2.0, n)) < level for _ in range(600)])

    assert 0.74 <= rejected(shift) <= 0.92, shift
    assert rejected(shift / 2) < 0.45


def test_no_difference_is_detectable_where_no_outcome_reaches_the_level():
    """8 samples: the exact test's smallest two-sided p is 2 / 2^8 = 0.0078, so below that
    level nothing is detectable however large; one sample gives no spread at all."""
    d = np.random.default_rng(0).normal(size=8)
    assert np.isfinite(detectable_difference(d, 6))  # level 0.0083
    assert detectable_difference(d, 7) == np.inf  # level 0.0071
    assert np.isnan(detectable_difference(d[:1], 1))
