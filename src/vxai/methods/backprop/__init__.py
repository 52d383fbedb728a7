"""Backpropagation-based attributions: one module per method, the gradient helper in `base`."""
