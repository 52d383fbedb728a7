"""Score stage: per-sample faithfulness of one method's maps, and its sanity check."""

import numpy as np
import pandas as pd

from vxai.data.inputs import load_maps, load_test_support, subset_indices
from vxai.errors import UserError
from vxai.methods.registry import spec
from vxai.io import save_csv, save_npz
from vxai.metrics.complexity import complexity, sparseness
from vxai.metrics.correlation import faithfulness_correlation, random_subsets
from vxai.metrics.curves import area, blurred, deletion_insertion
from vxai.metrics.faithfulness import drop_increase
from vxai.metrics.localization import localization_scores
from vxai.metrics.random_logit import other_classes, random_logit
from vxai.metrics.reproducibility import reproducibility, unexplained
from vxai.metrics.road import road, road_area
from vxai.metrics.robustness import sensitivity
from vxai.metrics.sanity import cascading_randomization
from vxai.models.loading import batched_predictor, load_model
from vxai.runtime import derive_seed, timed
from vxai.stages.inputs import make_explainer, prepared_test_subset


def score_method(map_paths, data_path, model_path, keep_fraction, test_samples, batch_size, seed,
                 output, metrics=None, curves_output=None, method=None, method_params=None,
                 explain_seed=0):
    """Per-sample Drop/Increase, sparseness and complexity of one method's maps on the test
    subset, and the `metrics` configured ({name: settings}): `curves` (deletion/insertion
    areas), `road`, `faithfulness_correlation`, and, re-explaining samples with `method`,
    `method_params` and the explain job's `explain_seed` (the same masks, noise or
    coalitions as the stored maps), `robustness` and `random_logit`. The deletion/insertion
    and ROAD curves themselves go to `curves_output`; `reproducibility` explains samples
    again under a second seed derived from `explain_seed`."""
    metrics = metrics or {}
    model = load_model(model_path)
    maps = load_maps(map_paths)
    x, y, ids, class_names = prepared_test_subset(data_path, model, test_samples,
                                                  positions=maps["positions"])
    if not np.array_equal(maps["ids"], ids):
        raise UserError(
            f"the maps in {map_paths[0]} ... are not those of the test subset; delete the "
            "maps folder and rerun"
        )
    predict = batched_predictor(model, batch_size)
    probs = predict(x)
    classes = probs.argmax(axis=1)
    with timed("Drop/Increase"):
        table = drop_increase(predict, x, maps["maps"], classes, keep_fraction, batch_size, seed,
                              probs)
    table.insert(0, "id", ids)
    table.insert(1, "label", y)
    table.insert(2, "label_name", np.asarray(class_names)[y])
    table.insert(3, "predicted", classes)
    table["explained"] = maps["targets"]
    table["correct"] = classes == y
    for key in sorted(k for k in maps if k.startswith("extra_") and maps[k].ndim == 1):
        table[key.removeprefix("extra_")] = maps[key]  # per-sample extras; arrays stay in the maps
    table["sparseness"], table["complexity"] = sparseness(maps["maps"]), complexity(maps["maps"])
    table["unexplained"] = unexplained(maps["maps"]) | (table.get("score_range", 1.0) == 0)
    curves = {}
    if "curves" in metrics:
        with timed("deletion/insertion curves"):
            curves |= _score_curves(predict, x, probs, maps["maps"], classes, metrics["curves"],
                                    batch_size, table)
    if "road" in metrics:
        with timed("ROAD"):
            curves |= _score_road(predict, x, maps["maps"], classes, metrics["road"],
                                  batch_size, derive_seed(seed, "road"), table)
    if "faithfulness_correlation" in metrics:
        with timed("faithfulness correlation"):
            _score_correlation(predict, x, probs, maps["maps"], classes,
                               metrics["faithfulness_correlation"], batch_size,
                               derive_seed(seed, "faithfulness_correlation"), table)
    if {"robustness", "random_logit"} & set(metrics):
        explainer = make_explainer(method, model, data_path, batch_size=batch_size,
                                   seed=explain_seed, **(method_params or {}))
        def explain(inputs, targets):
            return explainer.explain(inputs, targets).maps

        if "robustness" in metrics:
            with timed("max- and avg-sensitivity"):
                _score_robustness(explain, x, maps["maps"], classes, metrics["robustness"],
                                  derive_seed(seed, "robustness"), table)
        if "random_logit" in metrics:
            with timed("random-logit"):
                _score_random_logit(explain, x, maps["maps"], classes, probs.shape[1],
                                    metrics["random_logit"], derive_seed(seed, "random_logit"),
                                    table)
    if "reproducibility" in metrics:
        with timed("reproducibility"):
            _score_reproducibility(method, model, data_path, batch_size, method_params or {},
                                   explain_seed, x, maps, metrics["reproducibility"], table)
    support = load_test_support(data_path, test_samples)
    if support is not None and np.isfinite(support).all():
        support = support[maps["positions"]]
        for key, values in localization_scores(maps["maps"], support).items():
            table[key] = values
    if curves_output is not None:
        save_npz(curves_output, **curves)
    save_csv(output, table, float_format="%.8g")
    print(f"Drop% {100 * table['drop'].mean():.2f}  Increase% {100 * table['increase'].mean():.2f}")


def sanity_check(data_path, model_path, method, method_params, test_samples, n_samples,
                 batch_size, seed, output):
    """Cascading randomization of the model for one method on a few test samples."""
    model = load_model(model_path)
    x = prepared_test_subset(data_path, model, test_samples, n_samples)[0]
    def make(m):  # a fitted method refits on each randomized model
        return make_explainer(method, m, data_path, batch_size=batch_size, seed=seed,
                              **method_params)

    with timed("sanity check"):
        rows = cascading_randomization(make, model, x, seed)
    save_csv(output, pd.DataFrame(rows), float_format="%.6g")
    print(pd.DataFrame(rows).to_string(index=False))


def _score_curves(predict, x, probs, maps, classes, settings, batch_size, table):
    picked = subset_indices(len(x), settings["samples"])
    xs = x[picked]
    sigma = settings["blur_sigma"]
    start = blurred(xs, sigma) if sigma and xs.ndim == 4 else np.zeros_like(xs)
    deletion, insertion, fractions = deletion_insertion(
        predict, xs, maps[picked], classes[picked], settings["step"], start, batch_size,
        probs[picked])
    table["deletion_auc"], table["insertion_auc"] = np.nan, np.nan
    table.loc[picked, "deletion_auc"] = area(deletion, fractions)
    table.loc[picked, "insertion_auc"] = area(insertion, fractions)
    return {"positions": picked, "fractions": fractions, "deletion": deletion,
            "insertion": insertion}


def _score_road(predict, x, maps, classes, settings, batch_size, seed, table):
    picked = subset_indices(len(x), settings["samples"])
    fractions = np.asarray(settings["fractions"], dtype=np.float64)
    morf, lerf = road(predict, x[picked], maps[picked], classes[picked], fractions,
                      settings["noise"], np.random.default_rng(seed), batch_size)
    for column, curve in (("road_morf_auc", morf), ("road_lerf_auc", lerf)):
        table[column] = np.nan
        table.loc[picked, column] = road_area(curve, fractions)
    return {"road_positions": picked, "road_fractions": fractions, "road_morf": morf,
            "road_lerf": lerf}


def _score_correlation(predict, x, probs, maps, classes, settings, batch_size, seed, table):
    picked = subset_indices(len(x), settings["samples"])
    n_features = int(np.prod(np.shape(maps)[1:]))
    subsets = random_subsets(np.random.default_rng(seed), settings["runs"], len(picked),
                             n_features, settings["subset_size"])
    table["faithfulness_correlation"] = np.nan
    table.loc[picked, "faithfulness_correlation"] = faithfulness_correlation(
        predict, x[picked], maps[picked], classes[picked], subsets, batch_size, probs[picked])


def _score_robustness(explain, x, maps, classes, settings, seed, table):
    """Max- and avg-sensitivity on evenly spaced samples against the stored maps."""
    picked = subset_indices(len(x), settings["samples"])
    rng, radius = np.random.default_rng(seed), settings["radius"]
    worst, mean = sensitivity(explain, x[picked], classes[picked], maps[picked],
                              settings["draws"], lambda shape: rng.uniform(-radius, radius, shape))
    for column, values in (("max_sensitivity", worst), ("avg_sensitivity", mean)):
        table[column] = np.nan
        table.loc[picked, column] = values


def _score_random_logit(explain, x, maps, classes, n_classes, settings, seed, table):
    """Random-logit on evenly spaced samples, each against a seeded random other class."""
    picked = subset_indices(len(x), settings["samples"])
    other = other_classes(np.random.default_rng(seed), classes[picked], n_classes)
    table["random_logit"] = np.nan
    table.loc[picked, "random_logit"] = random_logit(explain, x[picked], maps[picked], other)


def _score_reproducibility(method, model, data_path, batch_size, method_params, explain_seed, x,
                           maps, settings, table):
    """Spearman of the stored maps with a second seed's on evenly spaced samples (1 by
    construction for a method that draws no random numbers)."""
    picked = subset_indices(len(x), settings["samples"])
    stochastic = spec(method).stochastic

    def explain_again(inputs, targets):
        return make_explainer(method, model, data_path, batch_size=batch_size,
                              seed=derive_seed(explain_seed, "reproducibility"),
                              **method_params).explain(inputs, targets).maps

    table["reproducibility"] = np.nan
    table.loc[picked, "reproducibility"] = reproducibility(
        explain_again, x[picked], maps["maps"][picked], maps["targets"][picked], stochastic)
