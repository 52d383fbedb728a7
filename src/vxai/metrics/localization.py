"""Does a map point at the digit template? Scores against MNIST-1D's known template support."""

import numpy as np

METRIC = {
    "title": "template localization",
    "config": None,
    "columns": {"pointing_game": ["pointing game", "higher"],
                "relevance_mass": ["relevance mass", "higher"],
                "template_iou": ["template IoU", "higher"]},
    "criterion": "localization",
    "cost": "maps",
    "interval": False,
    "order": 80,
    "reference": "zhang2018excitation",
    "about": ("On MNIST-1D the generator is replayed with the same random draws to know which "
              "points come from the digit template. Pointing game: the share of maps whose "
              "maximum lies on the template; relevance mass: the share of the positive map mass "
              "on it; template IoU: the overlap of the map's top points (as many as the "
              "template has) with it. Higher is better."),
}


def localization_scores(maps, support, threshold=0.5):
    """Per-sample pointing game (is the map's maximum on the template?), relevance mass
    (share of the positive map mass on the template) and IoU of the top-|template| points
    with the template. `support` holds per point the template fraction (0..1)."""
    maps = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    on = np.asarray(support).reshape(len(maps), -1) > threshold
    n_on = on.sum(axis=1)
    pointing = on[np.arange(len(maps)), maps.argmax(axis=1)]
    positive = np.maximum(maps, 0)
    total = positive.sum(axis=1)
    mass = np.divide((positive * on).sum(axis=1), total, out=np.full(len(maps), np.nan),
                     where=total > 0)
    order = np.argsort(-maps, axis=1, kind="stable")
    top = np.zeros_like(on)
    for i, k in enumerate(n_on):
        top[i, order[i, :k]] = True
    union = (top | on).sum(axis=1)
    iou = np.divide((top & on).sum(axis=1), union, out=np.full(len(maps), np.nan), where=union > 0)
    return {"pointing_game": pointing.astype(int), "relevance_mass": mass, "template_iou": iou}


def score(job, settings, table):
    """The three localization scores where the data knows each sample's template support."""
    if job.support is None or not np.isfinite(job.support).all():
        return
    for key, values in localization_scores(job.maps["maps"], job.support).items():
        table[key] = values
