"""SmoothGrad (Smilkov et al. 2017): gradients averaged over noisy copies of the input."""

import numpy as np

from vxai.methods.backprop.base import GradientExplainer
from vxai.methods.registry import register


@register(
    "smoothgrad",
    family="backprop",
    display="SmoothGrad",
    stochastic=True,
    budget="samples",
    gap="Gradient maps are visually noisy because the gradient fluctuates locally.",
    how=(
        "Averages the absolute gradient over copies of the input with Gaussian noise (one "
        "seeded noise set per job)."
    ),
    reference="smilkov2017smoothgrad",
)
class SmoothGrad(GradientExplainer):
    """SmoothGrad (Smilkov et al. 2017) of the vanilla-gradient map: the mean of |dS_c/dx|
    over `samples` noisy copies (noise std = `noise_level` x (max - min) of each input),
    then the max over channels; absolute values are averaged as in tf-keras-vis and
    Captum's NoiseTunnel over Saliency.
    One noise set is drawn from the seed and shared by all inputs, so a sample's map does
    not depend on the batch it is in."""

    parameter_schema = {"noise_level": {"type": "number", "exclusiveMinimum": 0}}

    def __init__(self, model, samples=25, noise_level=0.15, **kwargs):
        super().__init__(model, **kwargs)
        self.samples = int(samples)
        self.noise_level = float(noise_level)
        shape = (self.samples, *self.model.input_shape[1:])
        self.noise = np.random.default_rng(self.seed).standard_normal(shape).astype(np.float32)

    def passes_per_map(self):
        return self.samples

    def explain_batch(self, x, targets):
        n = len(x)
        flat = x.reshape(n, -1)
        sigma = (self.noise_level * (flat.max(axis=1) - flat.min(axis=1))).astype(np.float32)
        sigma = sigma.reshape(n, *[1] * (x.ndim - 1))
        total = np.zeros_like(x)
        per_chunk = max(1, self.batch_size // max(n, 1))
        for start in range(0, self.samples, per_chunk):
            noise = self.noise[start : start + per_chunk]
            noisy = x[None] + sigma[None] * noise[:, None]
            grads, _ = self.gradients(noisy.reshape(-1, *x.shape[1:]), np.tile(targets, len(noise)))
            total += np.abs(grads.reshape(len(noise), *x.shape)).sum(axis=0)
        return (total / self.samples).max(axis=-1), {}
