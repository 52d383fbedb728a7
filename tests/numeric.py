"""Numerical comparisons with bounds relative to the scale of what is compared.

Every comparison says what it compares, and with VXAI_SPREAD_LOG set it appends what it
observed to that JSON-lines file, so that bench/tolerances.py can measure the spread of
each quantity over thread counts and CPU instruction sets and set the bound from it.
"""

import json
import os

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)  # 1.19e-7: float32 rounding, relative

# The bounds come from bench/tolerances.py: the worst value of each comparison over 1, 2 and
# 4 threads, oneDNN capped at AVX2 or SSE4.1 with torch's portable kernels, and TensorFlow's
# Eigen kernels (the last two reproduce the spread seen on another machine), with 10x room.
REORDERED = 256 * EPS32
"""3.1e-5 of the scale: float32 results of the same arithmetic summed in another order
(batch composition, thread split, SIMD width, another framework's kernels). Worst measured:
3.0e-6 (the counterfactual's Adam steps over 3 shards, AVX2 kernels); one-pass methods 2.5e-6."""


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


class Checks:
    """Runs comparisons to the end and fails once with every failure, so that each
    comparison of a test is recorded even when an earlier one fails."""

    def __init__(self):
        self.failures = []

    def __call__(self, check, *args, **kwargs):
        try:
            check(*args, **kwargs)
        except AssertionError as failure:
            self.failures.append(str(failure))

    def verify(self):
        assert not self.failures, "\n".join(self.failures)
