"""Maps that explain nothing, scored like the methods to give their numbers a scale."""

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


@register(
    "constant_map",
    family="baseline",
    display="Constant map",
    gap="Shows what the Drop% threshold does when every value ties; no explanation.",
    how="The same value everywhere.",
    reference=None,
)
class ConstantMap(Explainer):
    """The same value everywhere: the hard threshold then keeps nothing (all values tie)."""

    def passes_per_map(self):
        return 0

    def explain_batch(self, x, targets):
        return np.ones(x.shape[:-1], dtype=np.float32), {}
