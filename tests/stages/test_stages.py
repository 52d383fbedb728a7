"""Explain and score stages on tiny data: shards add up to one unsharded job (also for
seeded methods), and scores carry the template localization when the data has support."""

import numpy as np
import pytest

from numeric import REORDERED, assert_close
from vxai.data.inputs import load_maps
from vxai.methods import method_names
from vxai.stages.explain import explain_shard


@pytest.fixture
def tiny(tmp_path):
    from vxai.models.architectures import mnist1d_cnn

    import keras

    keras.utils.set_random_seed(0)
    mnist1d_cnn().save(tmp_path / "model.keras")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", x_test=rng.normal(size=(20, 40)), y_test=rng.integers(0, 10, 20),
             ids_test=np.array([f"test/{i:05d}" for i in range(20)]),
             class_names=np.array([str(d) for d in range(10)]),
             support_test=(rng.random((20, 40)) > 0.7).astype(float))
    return tmp_path


@pytest.mark.numeric
@pytest.mark.parametrize("method, params", [
    ("smoothgrad", {"samples": 6}), ("gradcam", {}), ("rise", {"masks": 32}),
    ("lime", {"samples": 16, "segment_size": 8}), ("counterfactual", {"steps": 5})])
def test_maps_do_not_depend_on_the_shard_count(tiny, method, params):
    def run(n_shards):
        paths = []
        for shard in range(n_shards):
            path = tiny / f"{method}-{n_shards}-{shard}.npz"
            explain_shard(tiny / "data.npz", tiny / "model.keras", method, params, test_samples=17, n_shards=n_shards,
                          shard=shard, batch_size=4, seed=123, output=path)
            paths.append(path)
        return load_maps(paths)

    one, three = run(1), run(3)
    assert len(one["ids"]) == 17
    np.testing.assert_array_equal(one["ids"], three["ids"])  # the same samples, in order
    for key in ["maps", "maps_normalized"] + [k for k in one if k.startswith("extra_")]:
        # other batch compositions reorder float32 sums: measured 3.0e-6 (counterfactual, AVX2)
        assert_close(three[key], one[key], REORDERED, key)


def test_scores_include_drop_variants_and_template_localization(tiny):
    import pandas as pd

    from vxai.stages.score import score_method

    explain_shard(tiny / "data.npz", tiny / "model.keras", "gradcam", {}, test_samples=None, n_shards=1, shard=0, batch_size=8, seed=1,
                  output=tiny / "maps.npz")
    metrics = {"curves": {"step": 0.25, "samples": 5, "blur_sigma": None},
               "road": {"fractions": [0.2, 0.6], "noise": 0.01, "samples": 6},
               "faithfulness_correlation": {"subset_size": 4, "runs": 5, "samples": None},
               "robustness": {"samples": 3, "draws": 2, "radius": 0.05},
               "random_logit": {"samples": 4}}
    score_method([str(tiny / "maps.npz")], tiny / "data.npz", tiny / "model.keras", keep_fraction=0.3, test_samples=None, batch_size=8,
                 seed=1, output=tiny / "scores.csv", metrics=metrics, curves_output=tiny / "curves.npz", method="gradcam", method_params={})
    scores = pd.read_csv(tiny / "scores.csv")
    assert len(scores) == 20
    for column in ("drop", "drop_exact", "drop_soft", "increase", "kept_fraction",
                   "pointing_game", "relevance_mass", "template_iou", "label_name"):
        assert column in scores
    assert scores["pointing_game"].isin([0, 1]).all()
    for column, count in (("deletion_auc", 5), ("road_morf_auc", 6), ("road_lerf_auc", 6),
                          ("faithfulness_correlation", 20), ("max_sensitivity", 3),
                          ("random_logit", 4)):  # each on its evenly spaced subset
        assert scores[column].notna().sum() == count, column
    curves = np.load(tiny / "curves.npz")
    assert curves["road_morf"].shape == (6, 2) and curves["deletion"].shape[0] == 5
    np.testing.assert_array_equal(curves["road_fractions"], [0.2, 0.6])
    # re-explained with the explain job's seed, the random map (which ignores the class)
    # gets the same map for the other class: random-logit exactly 1
    explain_shard(tiny / "data.npz", tiny / "model.keras", "random_map", {}, test_samples=None, n_shards=1, shard=0, batch_size=8, seed=5,
                  output=tiny / "random.npz")
    score_method([str(tiny / "random.npz")], tiny / "data.npz", tiny / "model.keras", keep_fraction=0.3, test_samples=None,
                 batch_size=8, seed=1, output=tiny / "random.csv", metrics={"random_logit": {"samples": 4}}, curves_output=None, method="random_map",
                 method_params={}, explain_seed=5)
    assert (pd.read_csv(tiny / "random.csv")["random_logit"].dropna() == 1.0).sum() == 4


def test_a_method_explained_on_a_subset_is_scored_on_exactly_those_samples(tiny):
    """explain: samples: the maps, positions and score rows are the evenly spaced subset of
    the test subset, in shards as in one job, and each map equals the whole run's."""
    import pandas as pd

    from vxai.data.inputs import subset_indices
    from vxai.stages.score import score_method

    def explain(path, n_shards, method_samples):
        paths = [tiny / f"{path}{shard}.npz" for shard in range(n_shards)]
        for shard, shard_path in enumerate(paths):
            explain_shard(tiny / "data.npz", tiny / "model.keras", "gradcam", {}, test_samples=17, n_shards=n_shards,
                          shard=shard, batch_size=4, seed=1, output=shard_path, method_samples=method_samples)
        return paths

    everything, subset = load_maps(explain("all", 1, None)), explain("part", 2, 5)
    maps = load_maps(subset)
    expected = subset_indices(17, 5)
    np.testing.assert_array_equal(maps["positions"], expected)
    np.testing.assert_array_equal(maps["ids"], everything["ids"][expected])
    assert_close(maps["maps"], everything["maps"][expected], REORDERED, "maps")
    score_method([str(p) for p in subset], tiny / "data.npz", tiny / "model.keras", keep_fraction=0.3, test_samples=17, batch_size=8, seed=1,
                 output=tiny / "part.csv", metrics={"road": {"fractions": [0.5], "noise": 0.01, "samples": 2}})
    score_method([str(tiny / "all0.npz")], tiny / "data.npz", tiny / "model.keras", keep_fraction=0.3, test_samples=17, batch_size=8, seed=1,
                 output=tiny / "all.csv")
    scores, whole = pd.read_csv(tiny / "part.csv"), pd.read_csv(tiny / "all.csv").iloc[expected]
    assert scores["id"].tolist() == everything["ids"][expected].tolist() == whole["id"].tolist()
    assert scores["road_morf_auc"].notna().sum() == 2
    for column in ("label", "predicted", "drop", "relevance_mass", "template_iou"):
        assert_close(scores[column].to_numpy(), whole[column].to_numpy(), REORDERED, column)


def test_budget_convergence_maps_get_reproducible_as_the_budget_grows(tiny):
    import pandas as pd

    from vxai.stages.convergence import budget_convergence

    methods = {"rise": {"cells": 4}, "lime": {"segment_size": 4}}
    budget_convergence(tiny / "data.npz", tiny / "model.keras", methods, budgets=[2048, 8, 128], samples=10,
                       test_samples=None, keep_fraction=0.3, batch_size=16, seed=7, table_path=tiny / "convergence.csv", figure_path=tiny / "convergence.png")
    table = pd.read_csv(tiny / "convergence.csv")
    assert table["method"].tolist() == ["rise"] * 3 + ["lime"] * 3 and (table["n"] == 10).all()
    for method, rows in table.groupby("method"):
        assert rows["budget"].tolist() == [8, 128, 2048]
        low, middle, high = rows["reproducibility"]
        assert low < middle < high < 1.0, method  # more masks or samples: seeds agree better
        assert high > 0.9, method
        assert rows["chosen"].sum() <= 1 and rows["road_morf_auc"].isna().all()  # no road:
    assert (tiny / "convergence.png").stat().st_size > 0
    # a method that draws no random numbers reproduces by construction, and ROAD is scored;
    # a method's own budgets replace the common list
    budget_convergence(tiny / "data.npz", tiny / "model.keras",
                       {"integrated_gradients": {}}, budgets=[2048], samples=10, test_samples=None, keep_fraction=0.3,
                       batch_size=16, seed=7, table_path=tiny / "ig.csv", figure_path=tiny / "ig.png",
                       road={"fractions": [0.2, 0.5], "noise": 0.01},
                       method_budgets={"integrated_gradients": [8, 2]})
    table = pd.read_csv(tiny / "ig.csv")
    assert table["budget"].tolist() == [2, 8]
    assert (table["reproducibility"] == 1).all() and table["road_morf_auc"].notna().all()


def test_the_budget_rule_needs_reproducible_maps_and_no_loss_of_faithfulness():
    import pandas as pd

    from vxai.stages.convergence import chosen_budget

    def rows(repro, drop, road=(float("nan"),) * 4):
        return pd.DataFrame({"budget": [400, 50, 100, 200], "reproducibility": repro,
                             "drop_pct": drop, "drop_pct_hi": [d + 2 for d in drop],
                             "road_morf_auc": road, "road_morf_auc_hi": [r + 0.01 for r in road]})

    # the order of the rows does not matter; 100 is the first budget at 0.9 whose Drop% is
    # within the largest budget's interval (50 reproduces too little)
    assert chosen_budget(rows([0.97, 0.5, 0.91, 0.95], [20, 30, 21, 20])) == 100
    # Drop% worse at 100 and 200 than at 400 (above 20 + 2): only the largest qualifies
    assert chosen_budget(rows([0.97, 0.5, 0.91, 0.95], [20, 30, 25, 23])) == 400
    # Drop% alone never chooses: a budget whose maps do not reproduce is not picked
    assert chosen_budget(rows([0.6, 0.2, 0.3, 0.5], [20, 20, 20, 20])) is None
    # a worse ROAD MoRF rules a budget out as well
    assert chosen_budget(rows([0.97, 0.5, 0.91, 0.95], [20, 30, 21, 20],
                              [0.30, 0.5, 0.40, 0.305])) == 200


def test_evenly_spaced_subsets_nest_so_methods_and_metrics_share_samples():
    from vxai.data.inputs import subset_indices

    for n in (17, 496, 1000):
        assert list(subset_indices(n, None)) == list(range(n))
        for k in (k for k in (2, 4, 8, 16) if 2 * k <= n):
            small, large = subset_indices(n, k), subset_indices(n, 2 * k)
            assert len(small) == k and len(set(small)) == k and small.max() < n
            assert set(small) <= set(large)
            # a metric's k of a method's 2k explained samples are the test set's k
            np.testing.assert_array_equal(large[subset_indices(2 * k, k)], small)


@pytest.mark.parametrize("method, params", [("random_map", {}), ("rise", {"masks": 8}),
                                            ("gradcam", {})])
def test_the_score_stage_explains_again_under_an_independent_seed(tiny, method, params):
    """With the seeds the workflow derives (the explain job's from the base seed, dataset and
    method; the score job's with "score" after them), the second seed's maps are
    independent: the random map reproduces at about 0, RISE at a tiny budget below 1, and a
    method that draws no random numbers at exactly 1."""
    import pandas as pd

    from vxai.runtime import derive_seed
    from vxai.stages.score import score_method

    explain_seed = derive_seed(1, "mnist1d", method)
    explain_shard(tiny / "data.npz", tiny / "model.keras", method, params, test_samples=None,
                  n_shards=1, shard=0, batch_size=8, seed=explain_seed, output=tiny / "maps.npz")
    score_method([str(tiny / "maps.npz")], tiny / "data.npz", tiny / "model.keras",
                 keep_fraction=0.3, test_samples=None, batch_size=8,
                 seed=derive_seed(1, "mnist1d", method, "score"), output=tiny / "scores.csv",
                 metrics={"reproducibility": {"samples": 20}}, method=method,
                 method_params=params, explain_seed=explain_seed)
    found = pd.read_csv(tiny / "scores.csv")["reproducibility"]
    assert found.notna().sum() == 20
    if method == "random_map":  # Spearman of two independent noise maps of 40 points
        assert abs(found.mean()) < 0.15 and found.max() < 0.8
    elif method == "rise":
        assert found.max() < 1 and found.mean() < 0.95
    else:
        assert (found == 1).all()


@pytest.fixture(scope="module")
def tiny_images(tmp_path_factory):
    """A small image CNN (pooling, a linear head after global average pooling, so that CAM
    and SISE apply) and 12 x 12 RGB tiles of its 4 classes, 16 to train, 4 to test."""
    from small_models import small_cnn

    folder = tmp_path_factory.mktemp("tiny-images")
    small_cnn(2, head="gap").save(folder / "model.keras")
    rng = np.random.default_rng(0)
    np.savez(folder / "data.npz", x=rng.integers(0, 256, (16, 12, 12, 3), np.uint8),
             y=np.arange(16) % 4, ids=np.array([f"train/{i}" for i in range(16)]),
             x_test=rng.integers(0, 256, (4, 12, 12, 3), np.uint8), y_test=np.arange(4),
             ids_test=np.array([f"test/{i}" for i in range(4)]),
             class_names=np.array(["a", "b", "c", "d"]))
    return folder


# image settings of the methods whose defaults suit 150 x 150 tiles, not 12 x 12
IMAGE_SETTINGS = {"occlusion": {"window": 3, "stride": 3}, "cve": {"fit_samples": 8},
                  "deduce": {"max_steps": 2}}


@pytest.mark.parametrize("method", method_names())
def test_every_method_is_explained_and_scored_on_images(tiny_images, method):
    """The explain and score stages of every registered method on images, with the smoke
    run's HMT metric settings: the smoke run takes ten methods through the workflow on
    HMT, and this takes all of them through the same stage functions, in one process."""
    import pandas as pd

    from conftest import smoke_config
    from small_models import FAST
    from vxai.metrics.registry import config_sections
    from vxai.stages.score import sanity_check, score_method

    hmt = smoke_config()["hmt"]
    params = {**FAST.get(method, {}), **IMAGE_SETTINGS.get(method, {})}
    data, model = tiny_images / "data.npz", tiny_images / "model.keras"
    maps = tiny_images / f"{method}.npz"
    explain_shard(data, model, method, params, test_samples=None, n_shards=1, shard=0,
                  batch_size=4, seed=1, output=maps)
    assert load_maps([maps])["maps"].shape == (4, 12, 12)
    score_method([str(maps)], data, model, keep_fraction=0.9, test_samples=None, batch_size=4,
                 seed=2, output=tiny_images / f"{method}.csv",
                 metrics={name: hmt[name] for name in config_sections() if name in hmt},
                 curves_output=tiny_images / f"{method}_curves.npz", method=method,
                 method_params=params, explain_seed=1)
    scores = pd.read_csv(tiny_images / f"{method}.csv")
    assert len(scores) == 4 and scores[["drop", "increase"]].notna().all().all()
    assert scores["reproducibility"].notna().sum() == hmt["reproducibility"]["samples"]
    sanity_check(data, model, method, params, test_samples=None, n_samples=1, batch_size=4,
                 seed=2, output=tiny_images / f"{method}_sanity.csv")
    assert len(pd.read_csv(tiny_images / f"{method}_sanity.csv")) > 1
