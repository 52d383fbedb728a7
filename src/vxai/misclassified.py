"""The figure of the most confidently misclassified test samples, explained for the predicted
and for the true class: the one figure that loads the model and explains."""

import pandas as pd

from vxai import plots
from vxai.data.inputs import load_templates, load_test_set, model_inputs
from vxai.io import save_figure
from vxai.maps import normalize01
from vxai.methods.registry import display, ordered
from vxai.models.loading import load_model
from vxai.stages.inputs import make_explainer


def misclassified_figure(*, data, model_path, predictions, methods, samples, test_samples,
                         seed, output):
    """The most confidently misclassified test samples, each explained for the predicted and
    for the true class by every method in `methods` ({name: parameters})."""
    predictions = pd.read_csv(predictions)
    wrong = predictions[~predictions["correct"]].sort_values("confidence", ascending=False,
                                                             kind="stable")
    picks = wrong.index[:samples].to_numpy()
    if not len(picks):  # nothing misclassified: an empty figure that says so
        save_figure(output, plots.message_figure("no misclassified test samples"))
        return
    x, y, _, class_names = load_test_set(data, test_samples)
    model = load_model(model_path)
    shown = model_inputs(x[picks], model.input_shape)
    predicted = predictions["predicted"].to_numpy()[picks]
    method_maps = {}
    for name in ordered(methods):
        explainer = make_explainer(name, model, data, seed=seed, **(methods[name] or {}))
        label = display(name)
        method_maps[f"{label}\npredicted"] = normalize01(explainer.explain(shown, predicted).maps)
        method_maps[f"{label}\ntrue"] = normalize01(explainer.explain(shown, y[picks]).maps)
    titles = [f"true {class_names[y[i]]}\npred {class_names[predicted[k]]} "
              f"({predictions['confidence'][i]:.2f})" for k, i in enumerate(picks)]
    save_figure(output, plots.maps_gallery(list(shown if x.ndim == 4 else x[picks]), titles,
                                           method_maps, load_templates(data, y[picks])))
