"""Budget-convergence stage: faithfulness and reproducibility of the budget-driven methods
against their number of masks or samples."""

import numpy as np
import pandas as pd

from vxai import plots
from vxai.io import save_csv, save_figure
from vxai.methods import get_method, spec
from vxai.methods.registry import display
from vxai.metrics.faithfulness import bootstrap_ci, drop_increase
from vxai.metrics.sanity import rank_correlations
from vxai.models.loading import batched_predictor, load_model
from vxai.stages.inputs import prepared_test_subset


def budget_convergence(data_path, model_path, methods, budgets, samples, test_samples,
                       keep_fraction, batch_size, seed, table_path, figure_path):
    """Drop% and Increase% (with bootstrap intervals) of RISE, LIME and KernelSHAP against
    their budget of masks or samples, on `samples` evenly spaced test samples, and the mean
    rank correlation of the maps of two runs with different seeds at each budget: what a
    smaller budget costs in faithfulness and in reproducibility. `methods`: {name: parameters}."""
    model = load_model(model_path)
    x = prepared_test_subset(data_path, model, test_samples, samples)[0]

    predict = batched_predictor(model, batch_size)
    probs = predict(x)
    classes = probs.argmax(axis=1)
    rows = []
    for method, params in methods.items():
        for budget in sorted(int(b) for b in budgets):
            settings = {**params, spec(method).budget: budget}
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
    columns = ["method", "budget", "n", "drop_pct", "drop_pct_lo", "drop_pct_hi",
               "increase_pct", "reproducibility"]
    frame = pd.DataFrame(rows, columns=columns)
    save_csv(table_path, frame, float_format="%.6g")
    if frame.empty:  # no configured method has a budget
        figure = plots.message_figure("no configured method has a budget of masks or samples")
    else:
        figure = plots.budget_convergence(frame.assign(method=frame["method"].map(display)))
    save_figure(figure_path, figure)
