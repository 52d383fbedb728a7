"""Figure stages: read the evaluation tables and maps, draw with vxai.plots, save PNGs.
Methods are shown by their display names, in the registry's order."""

import functools
import json

import numpy as np
import pandas as pd

from vxai import plots
from vxai.data.inputs import (
    load_arrays,
    load_maps,
    load_templates,
    load_test_set,
    model_inputs,
)
from vxai.evaluation import probabilities
from vxai.io import save_figure
from vxai.methods.registry import display, ordered


def evaluation_figure(figure, *, data, predictions, metrics, confusion_normalized, cases,
                      history, test_samples, output):
    """Draw `figure` (curves, roc, confusion or cases) from the evaluate rule's outputs;
    `history` (the training history) is needed for curves only."""
    if figure == "curves":
        fig = plots.training_curves(pd.read_csv(history))
    elif figure == "confusion":
        fig = plots.confusion_heatmap(pd.read_csv(confusion_normalized, index_col=0))
    else:
        x, y, ids, class_names = load_test_set(data, test_samples)
        class_names = list(class_names)
        if figure == "roc":
            table = pd.read_csv(predictions)
            with open(metrics) as fh:
                auc = json.load(fh)["roc_auc"]
            fig = plots.roc_curves(y, probabilities(table, class_names), class_names, auc)
        else:
            cases = pd.read_csv(cases)
            position = {tile_id: i for i, tile_id in enumerate(ids)}
            shown = [x[position[tile_id]] for tile_id in cases["id"]]
            fig = plots.cases_gallery(cases, shown, class_names, load_templates(data))
    save_figure(output, fig)


def gallery_samples(predictions):
    """One test position per class: the first correctly classified sample, else the first."""
    picks = []
    for label in sorted(predictions["label"].unique()):
        rows = predictions[predictions["label"] == label]
        correct = rows[rows["correct"]]
        picks.append((correct if len(correct) else rows).index[0])
    return picks


def maps_gallery(*, data, predictions, maps, test_samples, output):
    """Every method's normalized map for one test sample per class, among the samples every
    method explains; `maps`: {method: its map shards}."""
    predictions = pd.read_csv(predictions)
    loaded = {method: load_maps(maps[method]) for method in ordered(maps)}
    common = functools.reduce(np.intersect1d, [m["positions"] for m in loaded.values()])
    picks = gallery_samples(predictions.loc[common])
    x, y, ids, class_names = load_test_set(data, test_samples)
    method_maps = {display(method): m["maps_normalized"][np.searchsorted(m["positions"], picks)]
                   for method, m in loaded.items()}
    shown = list(x[picks])
    if x.ndim == 4:  # images, drawn at the size of their maps
        map_shape = next(iter(method_maps.values())).shape[1:]
        shown = list(model_inputs(x[picks], (None, *map_shape, x.shape[-1])))
    titles = [
        f"{class_names[y[i]]}\npred {class_names[predictions['predicted'][i]]}" for i in picks
    ]
    save_figure(output, plots.maps_gallery(shown, titles, method_maps, load_templates(data, y[picks])))


def curves_figure(curve_paths, output):
    """Mean deletion and insertion curves of every method of a dataset ({method: path})."""
    curves = {}
    for method in ordered(curve_paths):
        data = load_arrays(curve_paths[method])
        curves[display(method)] = (data["fractions"], data["deletion"], data["insertion"])
    save_figure(output, plots.deletion_insertion_curves(curves))
