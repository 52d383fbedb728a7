"""Approximation-based attributions: one module per method, segments and the surrogate in `base`."""
