"""The constant map: the same value everywhere, so every value ties under a threshold."""

import numpy as np

from vxai.methods.base import Explainer
from vxai.methods.registry import register


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
