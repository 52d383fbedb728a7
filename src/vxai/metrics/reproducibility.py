"""Reproducibility: a stochastic method's map is an explanation only when an independent seed
gives the same map. Per sample, Spearman's rank correlation between the stored map and the
map of a second seed (higher is better); a method that draws no random numbers scores 1 by
construction. A constant map has no ranks (NaN): the model gave the method nothing to read,
and the sample counts as unexplained."""

import numpy as np

from vxai.data.inputs import subset_indices
from vxai.methods.registry import spec
from vxai.metrics.sanity import rank_correlations
from vxai.runtime import derive_seed
from vxai.statistics.summary import mean_summary

# the mean Spearman of two seeds' maps from which a map counts as an explanation
REPRODUCIBLE = 0.9

METRIC = {
    "title": "reproducibility",
    "config": "reproducibility",
    "columns": {"reproducibility": ["reproducibility", "higher"]},
    "criterion": "reproducibility",
    "cost": "explain",
    "interval": True,
    "order": 70,
    "reference": None,
    "about": ("A method that draws random numbers explains evenly spaced samples again under a "
              "second, independent seed; each sample scores the Spearman correlation of the two "
              "maps. A method that draws none scores 1 by construction. A map below "
              f"{REPRODUCIBLE} is mostly the method's own noise: its other scores describe "
              "that noise, not the model."),
}


def reproducibility(explain_again, x, maps, targets, stochastic):
    """Per-sample Spearman of `maps` (of `targets`) with `explain_again(x, targets)`, the
    maps under another seed; ones when the method is not `stochastic`."""
    if not stochastic:
        return np.ones(len(x))
    return rank_correlations(maps, explain_again(x, targets), absolute=False)


def unexplained(maps):
    """Per sample, True where the map is constant: it ranks no feature above another."""
    flat = np.asarray(maps).reshape(len(maps), -1)
    return np.ptp(flat, axis=1) == 0 if flat.shape[1] else np.ones(len(flat), bool)


def score(job, settings, table):
    """Spearman of the stored maps with a second seed's on `samples` evenly spaced samples
    (1 by construction for a method that draws no random numbers)."""
    picked = subset_indices(len(job.x), settings["samples"])
    explain_again = job.explainer(derive_seed(job.explain_seed, "reproducibility"))
    table["reproducibility"] = np.nan
    table.loc[picked, "reproducibility"] = reproducibility(
        explain_again, job.x[picked], job.maps["maps"][picked], job.maps["targets"][picked],
        spec(job.method).stochastic)


def summary(scores, seed):
    """The mean with its interval, and the number of samples it is scored on."""
    row = mean_summary(METRIC["columns"], interval=True)(scores, seed)
    row["reproducibility_n"] = (int(scores["reproducibility"].notna().sum())
                                if "reproducibility" in scores else 0)
    return row
