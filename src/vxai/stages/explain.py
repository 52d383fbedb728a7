"""Explain stage: one shard of the test subset explained with one method."""

import numpy as np

from vxai.data.inputs import load_test_set, model_inputs, subset_indices
from vxai.io import save_npz
from vxai.maps import normalize01
from vxai.models.loading import load_model
from vxai.stages.inputs import make_explainer


def shard_indices(n_samples, n_shards, shard):
    """Positions (within the evaluated test subset) that shard `shard` of `n_shards` explains."""
    return np.array_split(np.arange(n_samples), n_shards)[shard]


def explain_shard(data_path, model_path, method, method_params, *, test_samples, n_shards,
                  shard, batch_size, seed, output, method_samples=None):
    """Explain the predicted class of one shard of the test subset (of `method_samples`
    evenly spaced samples of it, if given); save raw and [0, 1] maps with their positions
    in the test subset."""
    model = load_model(model_path)
    x, _, ids, _ = load_test_set(data_path, test_samples)
    chosen = subset_indices(len(ids), method_samples)
    part = chosen[shard_indices(len(chosen), n_shards, shard)]
    x = model_inputs(x[part], model.input_shape)  # only this shard's inputs are prepared
    explainer = make_explainer(method, model, data_path, batch_size=batch_size, seed=seed,
                               **method_params)
    result = explainer.explain(x, progress=True, ids=ids[part])
    extras = {f"extra_{key}": value for key, value in result.extras.items()}
    # uncompressed: float maps shrink by a fifth at most, and compressing the 2 x 100 MB of
    # a whole HMT test set takes about 10 s per job
    save_npz(output, compress=False, ids=ids[part], positions=part, targets=result.targets,
             maps=result.maps, maps_normalized=normalize01(result.maps), **extras)
    print(f"{method}: {len(part)} maps of shape {result.maps.shape[1:]}")
