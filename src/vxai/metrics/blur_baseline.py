"""Drop% and Increase% with a blurred baseline: the features the map does not keep take the
values of the input blurred over its spatial axes instead of zero ("Back to the Baseline":
the removal baseline can decide which method wins). The same kept features as Drop%, so
Kendall's tau between the two in the metrics' agreement table says whether the methods'
order survives the change of baseline."""

import numpy as np

from vxai.metrics.curves import blurred
from vxai.metrics.faithfulness import keep_mask
from vxai.statistics.summary import bootstrap_ci

METRIC = {
    "title": "Drop/Increase, blurred baseline",
    "config": "blur_baseline",
    "columns": {"drop_blur_pct": ["Drop% (blur)", "lower"],
                "increase_blur_pct": ["Increase% (blur)", "higher"]},
    "criterion": "faithfulness",
    "cost": "forward",
    "interval": True,
    "order": 11,
    "reference": "sturmfels2020baselines",
    "about": ("The same kept features as Drop%, but the other features take the values of the "
              "input blurred over its spatial axes (blur_baseline: sigma) instead of zeros. The "
              "removal baseline can decide which method wins; Kendall's tau between the "
              "methods' orders under the two baselines says whether the order survives the "
              "change."),
}


def score(job, settings, table):
    """Per sample: drop_blur = max(0, Y - O) / Y and increase_blur = [O > Y], O the predicted
    class's probability with the features not kept replaced by the blurred input."""
    observed = []
    for start in range(0, len(job.x), job.batch_size):
        part = slice(start, start + job.batch_size)
        x = job.x[part]
        keep = keep_mask(job.maps["maps"][part], job.keep_fraction)
        kept = np.where(keep[..., None], x, blurred(x, settings["sigma"])).astype(x.dtype)
        observed.append(job.predict(kept)[np.arange(len(x)), job.classes[part]])
    observed = np.concatenate(observed) if observed else np.zeros(0)
    full = job.probs[np.arange(len(job.x)), job.classes]
    table["drop_blur"] = np.maximum(0.0, full - observed) / full
    table["increase_blur"] = (observed > full).astype(int)


def summary(scores, seed):
    """Both in percent, with 95 % bootstrap intervals."""
    row = {}
    for column in ("drop_blur", "increase_blur"):
        values = scores[column].dropna() if column in scores else []
        row[f"{column}_pct"] = 100 * float(np.mean(values)) if len(values) else float("nan")
        low, high = bootstrap_ci(values, seed=seed)
        row[f"{column}_pct_lo"], row[f"{column}_pct_hi"] = 100 * low, 100 * high
    return row
