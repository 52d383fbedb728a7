"""Class activation maps: one module per method, the shared work in `base`."""
