"""Model-randomization sanity check (Adebayo et al. 2018): re-initialize the weighted layers
one after another from the output down and measure how much the maps change."""

import numpy as np
from scipy.stats import spearmanr


def randomized_copies(model, seed):
    """Yield (layer name, model copy) with the top 1, 2, ... weighted layers re-initialized
    (kernels drawn from a normal with the original kernel's std, biases zeroed)."""
    import keras  # here: the summary stage imports rank_correlations without TensorFlow

    rng = np.random.default_rng(seed)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    weighted = [layer for layer in copy.layers if layer.get_weights()]
    for layer in reversed(weighted):
        weights = layer.get_weights()
        kernel = rng.normal(0.0, float(weights[0].std()) or 1.0, weights[0].shape)
        layer.set_weights([kernel.astype(weights[0].dtype)] + [np.zeros_like(w) for w in weights[1:]])
        yield layer.name, copy


def rank_correlations(reference, maps, absolute=True):
    """Spearman correlation of |map| with |reference map| (of the signed maps with
    `absolute=False`), per sample (NaN for constant maps)."""
    if absolute:
        reference, maps = np.abs(reference), np.abs(maps)
    values = []
    for a, b in zip(np.reshape(reference, (len(maps), -1)), np.reshape(maps, (len(maps), -1))):
        values.append(spearmanr(a, b)[0] if np.ptp(a) > 0 and np.ptp(b) > 0 else np.nan)
    return np.asarray(values, dtype=np.float64)


def cascading_randomization(make_explainer, model, x, seed):
    """Rows (step, layer, mean and std of the rank correlation with the original maps)."""
    original = make_explainer(model).explain(x)
    rows = []
    for step, (layer, randomized) in enumerate(randomized_copies(model, seed), start=1):
        maps = make_explainer(randomized).explain(x, original.targets).maps
        corr = rank_correlations(original.maps, maps)
        rows.append({"step": step, "randomized_down_to": layer, "n": int(np.isfinite(corr).sum()),
                     "spearman_mean": float(np.nanmean(corr)) if np.isfinite(corr).any() else np.nan,
                     "spearman_std": float(np.nanstd(corr)) if np.isfinite(corr).any() else np.nan})
    return rows
