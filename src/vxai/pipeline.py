"""Stage functions behind the workflow's scripts: each reads its inputs and writes outputs."""

import numpy as np
import pandas as pd

from vxai import evaluation
from vxai.data.inputs import (load_maps, load_test_set, load_test_support, model_inputs,
                              subset_indices)
from vxai.errors import UserError
from vxai.io import dataset_and_method, save_csv, save_figure, save_json, save_npz
from vxai.maps import normalize01
from vxai.models.loading import batched_predictor, load_model


def _test_inputs(data_path, model, test_samples, n_picked=None):
    """Model inputs, labels, ids and class names of the test subset; with `n_picked`, of
    that many evenly spaced samples of it (prepared alone: resizing every tile costs
    seconds)."""
    x, y, ids, class_names = load_test_set(data_path, test_samples)
    picked = subset_indices(len(x), n_picked)
    return model_inputs(x[picked], model.input_shape), y[picked], ids[picked], class_names


def evaluate_model(data_path, model_path, test_samples, batch_size, outputs):
    """Predict the test set and write every evaluation table."""
    model = load_model(model_path)
    x, y, ids, class_names = _test_inputs(data_path, model, test_samples)
    probs = batched_predictor(model, batch_size)(x)
    table = evaluation.predictions_table(ids, y, probs, class_names)
    save_csv(outputs.predictions, table)
    metrics = evaluation.classification_metrics(y, probs, list(class_names))
    counts, normalized = evaluation.confusion_tables(y, probs.argmax(axis=1), list(class_names))
    ranked = evaluation.ranked_confusions(counts)
    top = ranked[ranked["kind"] == "unordered"].iloc[0]
    metrics["most_confused_pair"] = {
        "classes": [top["class_a"], top["class_b"]],
        "count": int(top["count"]),
    }
    save_json(outputs.metrics, metrics)
    save_csv(outputs.confusion, counts, index=True)
    save_csv(outputs.confusion_normalized, normalized, index=True, float_format="%.6f")
    save_csv(outputs.ranked, ranked)
    save_csv(outputs.cases, evaluation.showcase_cases(table))
    print(f"accuracy {metrics['accuracy']:.4f} ({metrics['n_correct']}/{metrics['n_samples']})")


def shard_indices(n_samples, n_shards, shard):
    """Positions (within the evaluated test subset) that shard `shard` of `n_shards` explains."""
    return np.array_split(np.arange(n_samples), n_shards)[shard]


def explain_shard(data_path, model_path, method, method_params, test_samples, n_shards,
                  shard, batch_size, seed, output):
    """Explain the predicted class of one shard of the test subset; save raw and [0, 1] maps."""
    from vxai.methods import get_method

    model = load_model(model_path)
    x, _, ids, _ = load_test_set(data_path, test_samples)
    part = shard_indices(len(ids), n_shards, shard)
    x = model_inputs(x[part], model.input_shape)  # only this shard's inputs are prepared
    explainer = get_method(method)(model, batch_size=batch_size, seed=seed, **method_params)
    result = explainer.explain(x, progress=True, ids=ids[part])
    extras = {f"extra_{key}": value for key, value in result.extras.items()}
    save_npz(output, ids=ids[part], positions=part, targets=result.targets, maps=result.maps,
             maps_normalized=normalize01(result.maps), **extras)
    print(f"{method}: {len(part)} maps of shape {result.maps.shape[1:]}")


def score_method(map_paths, data_path, model_path, keep_fraction, test_samples, batch_size, seed,
                 output, curves=None, curves_output=None):
    """Per-sample Drop/Increase (and, with `curves` settings, deletion/insertion areas) of
    one method's maps on the test subset; the curves themselves go to `curves_output`."""
    from vxai.metrics.faithfulness import drop_increase

    model = load_model(model_path)
    x, y, ids, class_names = _test_inputs(data_path, model, test_samples)
    maps = load_maps(map_paths)
    if not np.array_equal(maps["ids"], ids):
        raise UserError(
            f"the maps in {map_paths[0]} ... do not cover the test subset in order; delete "
            "the maps folder and rerun"
        )
    predict = batched_predictor(model, batch_size)
    probs = predict(x)
    classes = probs.argmax(axis=1)
    table = drop_increase(predict, x, maps["maps"], classes, keep_fraction, batch_size, seed, probs)
    table.insert(0, "id", ids)
    table.insert(1, "label", y)
    table.insert(2, "label_name", np.asarray(class_names)[y])
    table.insert(3, "predicted", classes)
    table["explained"] = maps["targets"]
    table["correct"] = classes == y
    for key in sorted(k for k in maps if k.startswith("extra_") and maps[k].ndim == 1):
        table[key.removeprefix("extra_")] = maps[key]  # per-sample extras; arrays stay in the maps
    if curves is not None:
        table["deletion_auc"], table["insertion_auc"] = np.nan, np.nan
        _score_curves(predict, x, probs, maps["maps"], classes, curves, batch_size, table,
                      curves_output)
    support = load_test_support(data_path, test_samples)
    if support is not None and np.isfinite(support).all():
        from vxai.metrics.localization import localization_scores

        for key, values in localization_scores(maps["maps"], support).items():
            table[key] = values
    save_csv(output, table, float_format="%.8g")
    print(f"Drop% {100 * table['drop'].mean():.2f}  Increase% {100 * table['increase'].mean():.2f}")


def sanity_check(data_path, model_path, method, method_params, test_samples, n_samples,
                 batch_size, seed, output):
    """Cascading randomization of the model for one method on a few test samples."""
    from vxai.methods import get_method
    from vxai.metrics.sanity import cascading_randomization

    model = load_model(model_path)
    x = _test_inputs(data_path, model, test_samples, n_samples)[0]
    explainer = get_method(method)

    def make(m):
        return explainer(m, batch_size=batch_size, seed=seed, **method_params)

    rows = cascading_randomization(make, model, x, seed)
    save_csv(output, pd.DataFrame(rows), float_format="%.6g")
    print(pd.DataFrame(rows).to_string(index=False))


def _score_curves(predict, x, probs, maps, classes, settings, batch_size, table, output):
    from vxai.metrics.curves import area, blurred, deletion_insertion

    picked = subset_indices(len(x), settings["samples"])
    xs = x[picked]
    sigma = settings["blur_sigma"]
    start = blurred(xs, sigma) if sigma and xs.ndim == 4 else np.zeros_like(xs)
    deletion, insertion, fractions = deletion_insertion(
        predict, xs, maps[picked], classes[picked], settings["step"], start, batch_size,
        probs[picked])
    table.loc[picked, "deletion_auc"] = area(deletion, fractions)
    table.loc[picked, "insertion_auc"] = area(insertion, fractions)
    save_npz(output, positions=picked, fractions=fractions, deletion=deletion,
             insertion=insertion)


def summarize_scores(score_paths, seed, outputs):
    """Drop%/Increase% (all variants) with bootstrap intervals per dataset and method:
    overall, for correctly and wrongly classified samples, and per true class; and the
    method-versus-method table of how often each method has the lower per-sample drop, and a
    plot of the overall Drop% and Increase% with their intervals."""
    from vxai.metrics.faithfulness import compare_methods, summarize

    rows, tables = [], {}
    for path in score_paths:
        dataset, method = dataset_and_method(path)
        scores = pd.read_csv(path)
        tables.setdefault(dataset, {})[method] = scores
        subsets = [("all", scores), ("correct", scores[scores["correct"]]),
                   ("misclassified", scores[~scores["correct"]])]
        subsets += [(f"class {c}", part) for c, part in scores.groupby("label_name")]
        for subset, part in subsets:
            rows.append({"dataset": dataset, "method": method, "subset": subset,
                         **summarize(part, seed=seed)})
    summary = pd.DataFrame(rows)
    save_csv(outputs.faithfulness, summary, float_format="%.6g")
    from vxai import plots

    save_figure(outputs.figure, plots.drop_increase_bars(summary.query("subset == 'all'")))
    comparison = pd.concat([compare_methods(scores).assign(dataset=dataset)
                            for dataset, scores in tables.items()], ignore_index=True)
    save_csv(outputs.comparison, comparison[["dataset", *comparison.columns[:-1]]],
             float_format="%.6g")



def budget_convergence(data_path, model_path, methods, budgets, samples, test_samples,
                       keep_fraction, batch_size, seed, outputs):
    """Drop% and Increase% (with bootstrap intervals) of RISE, LIME and KernelSHAP against
    their budget of masks or samples, on `samples` evenly spaced test samples, and the mean
    rank correlation of the maps of two runs with different seeds at each budget: what a
    smaller budget costs in faithfulness and in reproducibility. `methods`: {name: parameters}."""
    from vxai import plots
    from vxai.catalog import BUDGET_PARAMETERS
    from vxai.metrics.faithfulness import bootstrap_ci, drop_increase
    from vxai.metrics.sanity import rank_correlations
    from vxai.methods import get_method

    model = load_model(model_path)
    x = _test_inputs(data_path, model, test_samples, samples)[0]

    predict = batched_predictor(model, batch_size)
    probs = predict(x)
    classes = probs.argmax(axis=1)
    rows = []
    for method, params in methods.items():
        for budget in sorted(int(b) for b in budgets):
            settings = {**params, BUDGET_PARAMETERS[method]: budget}
            maps, rerun = (get_method(method)(model, batch_size=batch_size, seed=s, **settings)
                           .explain(x, classes).maps for s in (seed, seed + 1))
            table = drop_increase(predict, x, maps, classes, keep_fraction, batch_size, seed, probs)
            low, high = bootstrap_ci(table["drop"], seed=seed)
            agreement = rank_correlations(maps, rerun, absolute=False)
            rows.append({"method": method, "budget": budget, "n": len(x),
                         "drop_pct": 100 * table["drop"].mean(), "drop_pct_lo": 100 * low,
                         "drop_pct_hi": 100 * high,
                         "increase_pct": 100 * table["increase"].mean(),
                         "reproducibility": float(np.nanmean(agreement))
                         if np.isfinite(agreement).any() else np.nan})
    frame = pd.DataFrame(rows)
    save_csv(outputs.table, frame, float_format="%.6g")
    save_figure(outputs.figure, plots.budget_convergence(frame))
