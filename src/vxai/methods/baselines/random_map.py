"""The random map: uniform random values, a floor for every metric's numbers."""

import hashlib

import numpy as np

from vxai.methods.base import Explainer
from vxai.methods.registry import register


@register(
    "random_map",
    family="baseline",
    display="Random map",
    stochastic=True,
    gap="A floor for the faithfulness numbers; no explanation.",
    how="Uniform random values, seeded per input.",
    reference=None,
)
class RandomMap(Explainer):
    """Uniform random values; each input's map is drawn from the seed and the input's bytes,
    so it does not depend on the batch or shard the input is in."""

    def passes_per_map(self):
        return 0

    def explain_batch(self, x, targets):
        maps = []
        for sample in x:
            digest = hashlib.sha256(np.ascontiguousarray(sample).tobytes()).digest()
            rng = np.random.default_rng([self.seed, int.from_bytes(digest[:8], "little")])
            maps.append(rng.random(sample.shape[:-1], dtype=np.float32))
        return np.stack(maps), {}
