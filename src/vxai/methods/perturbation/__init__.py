"""Perturbation-based attributions: one module per method, the masked-scoring helper in `base`."""
