"""Numerical comparisons with bounds relative to the scale of what is compared.

Every comparison says what it compares, and with VXAI_SPREAD_LOG set it appends what it
observed to that JSON-lines file, so that bench/tolerances.py can measure the spread of
each quantity over thread counts and CPU instruction sets and set the bound from it.
"""

import json
import os

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)  # 1.19e-7: float32 rounding, relative


def _record(what, observed, bound, sense):
    path = os.environ.get("VXAI_SPREAD_LOG")
    if path:
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]
        with open(path, "a") as log:
            log.write(json.dumps({"test": test, "what": what, "sense": sense,
                                  "observed": float(observed), "bound": float(bound)}) + "\n")


def assert_below(observed, bound, what):
    """observed < bound, recorded."""
    _record(what, observed, bound, "<")
    assert observed < bound, f"{what}: {observed:.3g} is not below {bound:.3g}"


def assert_above(observed, bound, what):
    """observed > bound, recorded (rank correlations, for example)."""
    _record(what, observed, bound, ">")
    assert observed > bound, f"{what}: {observed:.3g} is not above {bound:.3g}"


def relative_error(actual, desired, scale=None):
    """max |actual - desired| over `scale` (default: max |desired|, or 1 where that is 0)."""
    actual, desired = np.asarray(actual, np.float64), np.asarray(desired, np.float64)
    assert actual.shape == desired.shape, f"shapes differ: {actual.shape} != {desired.shape}"
    if scale is None:
        scale = float(np.abs(desired).max(initial=0.0)) or 1.0
    return float(np.abs(actual - desired).max(initial=0.0)) / scale


def assert_close(actual, desired, bound, what, scale=None):
    """max |actual - desired| <= bound * scale; see `relative_error`."""
    observed = relative_error(actual, desired, scale)
    _record(what, observed, bound, "<=")
    assert observed <= bound, (
        f"{what}: max difference {observed:.3g} of the scale, bound {bound:.3g}")
