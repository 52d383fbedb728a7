"""Budget-convergence stage: faithfulness and reproducibility of the budget-driven methods
against their number of masks, samples or steps, and the budget each measurement supports."""

import numpy as np
import pandas as pd

from vxai import plots
from vxai.io import save_csv, save_figure
from vxai.methods import get_method, spec
from vxai.methods.registry import display
from vxai.metrics.faithfulness import drop_increase
from vxai.statistics.summary import bootstrap_ci
from vxai.metrics.reproducibility import REPRODUCIBLE, reproducibility
from vxai.metrics.road import road, road_area
from vxai.models.loading import batched_predictor, load_model
from vxai.runtime import derive_seed
from vxai.stages.inputs import prepared_test_subset

COLUMNS = ["method", "budget", "n", "drop_pct", "drop_pct_lo", "drop_pct_hi", "increase_pct",
           "road_morf_auc", "road_morf_auc_lo", "road_morf_auc_hi", "reproducibility",
           "reproducibility_lo", "reproducibility_hi", "unexplained", "chosen"]


def chosen_budget(rows):
    """The smallest budget of one method's rows (columns as COLUMNS) whose reproducibility
    reaches REPRODUCIBLE while its Drop% and ROAD MoRF (where measured; lower is better) are
    not worse than at the largest budget, i.e. not above the upper end of its 95 % interval;
    None when no measured budget qualifies."""
    rows = rows.sort_values("budget")
    largest = rows.iloc[-1]
    good = rows["reproducibility"] >= REPRODUCIBLE
    good &= rows["drop_pct"] <= largest["drop_pct_hi"]
    if np.isfinite(largest["road_morf_auc_hi"]):
        good &= rows["road_morf_auc"] <= largest["road_morf_auc_hi"]
    return int(rows.loc[good, "budget"].iloc[0]) if good.any() else None


def budget_convergence(data_path, model_path, methods, *, budgets, samples, test_samples,
                       keep_fraction, batch_size, seed, table_path, figure_path, road=None,
                       method_budgets=None):
    """Per method with a budget (`methods`: {name: parameters}) and budget (`budgets`, or
    the method's own list in `method_budgets`): Drop% and
    Increase% with bootstrap intervals, ROAD MoRF (`road`: the dataset's fractions and noise,
    or None) and the mean Spearman of the maps of two seeds (1 by construction for a method
    that draws no random numbers), on `samples` evenly spaced test samples, with the
    number of constant maps; `chosen` marks the budget that `chosen_budget` picks."""
    model = load_model(model_path)
    x = prepared_test_subset(data_path, model, test_samples, samples)[0]
    predict = batched_predictor(model, batch_size)
    probs = predict(x)
    classes = probs.argmax(axis=1)
    rows = []
    for method, params in methods.items():
        found = spec(method)
        for budget in sorted(int(b) for b in (method_budgets or {}).get(method, budgets)):
            settings = {**params, found.budget: budget}
            maps = get_method(method)(model, batch_size=batch_size, seed=seed,
                                      **settings).explain(x, classes).maps
            rows.append({"method": method, "budget": budget, "n": len(x),
                         **_faithfulness(predict, x, maps, classes, probs, keep_fraction,
                                         batch_size, seed, road)})
            agreement = reproducibility(
                lambda inputs, targets: get_method(method)(
                    model, batch_size=batch_size, seed=seed + 1, **settings)
                .explain(inputs, targets).maps,
                x, maps, classes, found.stochastic)
            finite = agreement[np.isfinite(agreement)]
            low, high = bootstrap_ci(finite, seed=seed)
            rows[-1] |= {"reproducibility": float(finite.mean()) if len(finite) else np.nan,
                         "reproducibility_lo": low, "reproducibility_hi": high,
                         "unexplained": int(len(agreement) - len(finite))}
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["chosen"] = False
    for method, part in frame.groupby("method", sort=False):
        budget = chosen_budget(part)
        frame.loc[(frame["method"] == method) & (frame["budget"] == budget), "chosen"] = True
    save_csv(table_path, frame, float_format="%.6g")
    if frame.empty:  # no configured method has a budget
        figure = plots.message_figure("no configured method has a budget")
    else:
        figure = plots.budget_convergence(frame.assign(method=frame["method"].map(display)),
                                          REPRODUCIBLE)
    save_figure(figure_path, figure)


def _faithfulness(predict, x, maps, classes, probs, keep_fraction, batch_size, seed, settings):
    table = drop_increase(predict, x, maps, classes, keep_fraction, batch_size, seed, probs)
    low, high = bootstrap_ci(table["drop"], seed=seed)
    found = {"drop_pct": 100 * table["drop"].mean(), "drop_pct_lo": 100 * low,
             "drop_pct_hi": 100 * high, "increase_pct": 100 * table["increase"].mean(),
             "road_morf_auc": np.nan, "road_morf_auc_lo": np.nan, "road_morf_auc_hi": np.nan}
    if settings:
        fractions = np.asarray(settings["fractions"], dtype=np.float64)
        morf, _ = road(predict, x, maps, classes, fractions, settings["noise"],
                       np.random.default_rng(derive_seed(seed, "road")), batch_size, lerf=False)
        areas = road_area(morf, fractions)
        low, high = bootstrap_ci(areas, seed=seed)
        found |= {"road_morf_auc": float(areas.mean()), "road_morf_auc_lo": low,
                  "road_morf_auc_hi": high}
    return found
