"""Faithfulness correlation (Bhatt et al. 2020): does the map's mass on a random subset of
features predict how much the class probability drops when that subset is removed?"""

import numpy as np

from vxai.data.inputs import subset_indices
from vxai.metrics.faithfulness import masked_inputs

METRIC = {
    "title": "faithfulness correlation",
    "config": "faithfulness_correlation",
    "columns": {"faithfulness_correlation": ["faithfulness correlation", "higher"]},
    "criterion": "faithfulness",
    "cost": "forward",
    "interval": True,
    "order": 40,
    "reference": "bhatt2020evaluating",
    "about": ("Per sample, the Pearson correlation, over random subsets of features, between "
              "the map's sum over a subset and the fall of the predicted class's probability "
              "when the subset is zeroed in every channel. A faithful map predicts what "
              "removing features costs: higher is better."),
}


def random_subsets(rng, runs, n_samples, n_features, size):
    """(runs, n_samples, size) feature positions: a draw without replacement per run and
    sample."""
    size = min(size, n_features)
    return np.stack([np.argpartition(rng.random((n_samples, n_features)), size - 1,
                                     axis=1)[:, :size] for _ in range(runs)])


def faithfulness_correlation(predict, x, maps, classes, subsets, batch_size=64, probs=None):
    """Per sample, the Pearson correlation over the runs of `subsets` (random_subsets)
    between the sum of the map over a subset and the drop of the class probability when
    every channel of those features is zeroed; NaN where either is constant.
    `predict(batch) -> probabilities`; `probs` are those of `x` if already known."""
    n, shape = len(x), np.shape(maps)[1:]
    flat_maps = np.asarray(maps, dtype=np.float64).reshape(n, -1)
    base = (predict(x) if probs is None else probs)[np.arange(n), classes]
    drops = np.empty((len(subsets), n))
    for run, subset in enumerate(subsets):
        for start in range(0, n, batch_size):
            part = slice(start, start + batch_size)
            keep = np.ones((len(x[part]), flat_maps.shape[1]), dtype=bool)
            np.put_along_axis(keep, subset[part], False, axis=1)
            scores = predict(masked_inputs(x[part], keep.reshape((-1, *shape))))
            drops[run, part] = base[part] - scores[np.arange(len(keep)), classes[part]]
    sums = np.take_along_axis(flat_maps[None], subsets, axis=2).sum(axis=2)  # (runs, n)
    return _pearson(sums, drops)


def _pearson(a, b):
    """Column-wise Pearson correlation of (runs, n) arrays; NaN where either is constant."""
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    scale = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    return np.divide((a * b).sum(axis=0), scale, out=np.full(a.shape[1], np.nan),
                     where=scale > 1e-300)


def score(job, settings, table):
    """Faithfulness correlation on `samples` evenly spaced samples."""
    picked = subset_indices(len(job.x), settings["samples"])
    n_features = int(np.prod(np.shape(job.maps["maps"])[1:]))
    subsets = random_subsets(np.random.default_rng(job.seed_for("faithfulness_correlation")),
                             settings["runs"], len(picked), n_features, settings["subset_size"])
    table["faithfulness_correlation"] = np.nan
    table.loc[picked, "faithfulness_correlation"] = faithfulness_correlation(
        job.predict, job.x[picked], job.maps["maps"][picked], job.classes[picked], subsets,
        job.batch_size, job.probs[picked])
