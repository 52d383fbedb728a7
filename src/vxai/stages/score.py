"""Score stage: per-sample scores of one method's maps under every registered metric that
is configured (vxai.metrics.registry), and its sanity check."""

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vxai.data.inputs import load_maps, load_test_support
from vxai.errors import UserError
from vxai.io import save_csv, save_npz
from vxai.metrics.registry import metric_specs
from vxai.metrics.reproducibility import unexplained
from vxai.metrics.sanity import cascading_randomization
from vxai.models.loading import batched_predictor, load_model
from vxai.runtime import derive_seed, timed
from vxai.stages.inputs import make_explainer, prepared_test_subset


@dataclass
class ScoreJob:
    """What a metric reads: the model inputs `x` of the samples the method explained, the
    batched `predict`, their probabilities and predicted classes, the stored maps
    (load_maps' dict), the template support where the data has one, and what it needs to
    explain samples again."""

    model: object
    data_path: str
    x: np.ndarray
    predict: object
    probs: np.ndarray
    classes: np.ndarray
    maps: dict
    support: np.ndarray | None
    keep_fraction: float
    batch_size: int
    seed: int
    method: str | None
    method_params: dict
    explain_seed: int

    def seed_for(self, metric):
        """The metric's own seed, derived from the job's."""
        return derive_seed(self.seed, metric)

    def explainer(self, seed):
        """explain(inputs, targets) -> maps, by the method with its parameters under `seed`."""
        explainer = make_explainer(self.method, self.model, self.data_path,
                                   batch_size=self.batch_size, seed=seed, **self.method_params)
        return lambda inputs, targets: explainer.explain(inputs, targets).maps

    @functools.cached_property
    def explain(self):
        """The method under the explain job's seed: the same masks, noise or coalitions as
        the stored maps."""
        return self.explainer(self.explain_seed)


def score_method(map_paths, data_path, model_path, *, keep_fraction, test_samples, batch_size,
                 seed, output, metrics=None, curves_output=None, method=None,
                 method_params=None, explain_seed=0):
    """Per-sample scores of one method's maps on the samples it explained: every registered
    metric that is always scored, and those whose settings `metrics` gives ({config section:
    settings}); metrics that explain samples again use `method`, `method_params` and the
    explain job's `explain_seed`. Curves some metrics keep go to `curves_output`."""
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
    support = load_test_support(data_path, test_samples)
    predict = batched_predictor(model, batch_size)
    probs = predict(x)
    classes = probs.argmax(axis=1)
    job = ScoreJob(model, str(data_path), x, predict, probs, classes, maps,
                   None if support is None else support[maps["positions"]], keep_fraction,
                   batch_size, seed, method, method_params or {}, explain_seed)
    table = pd.DataFrame({"id": ids, "label": y, "label_name": np.asarray(class_names)[y],
                          "predicted": classes, "explained": maps["targets"],
                          "correct": classes == y})
    for key in sorted(k for k in maps if k.startswith("extra_") and maps[k].ndim == 1):
        table[key.removeprefix("extra_")] = maps[key]  # per-sample extras; arrays stay in the maps
    table["unexplained"] = unexplained(maps["maps"]) | (table.get("score_range", 1.0) == 0)
    curves = {}
    for metric in metric_specs():
        if metric.config is None or metric.config in metrics:
            with timed(metric.title):
                curves |= metric.score(job, metrics.get(metric.config), table) or {}
    if curves_output is not None:
        save_npz(curves_output, **curves)
    save_csv(output, table, float_format="%.8g")
    print(f"Drop% {100 * table['drop'].mean():.2f}  Increase% {100 * table['increase'].mean():.2f}")


def sanity_check(data_path, model_path, method, method_params, *, test_samples, n_samples,
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
