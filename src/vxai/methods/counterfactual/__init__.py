"""Counterfactual explanations: one module per method, shared helpers in `base`."""
