"""What the counterfactual methods share: the class a counterfactual aims for."""

import numpy as np


def most_likely_other(probs, targets):
    """Per row of class probabilities, the most likely class other than `targets`."""
    probs = np.array(probs, dtype=np.float64)
    probs[np.arange(len(probs)), targets] = -np.inf
    return probs.argmax(axis=1).astype(np.int32)
