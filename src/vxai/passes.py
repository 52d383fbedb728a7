"""Model passes a job issues, by kind, for the benchmarks: "forward" (inference of one input),
"gradient" (a forward and a backward pass of one input) and "head" (the layers after a
target layer only). The counts are per process; each pipeline job prints them to its log."""

from collections import Counter

COUNTS = Counter()
KINDS = ("forward", "gradient", "head")


def add(kind, n):
    COUNTS[kind] += int(n)


def line():
    """`passes: forward F, gradient G, head H`, or None when the job made none."""
    if not any(COUNTS.values()):
        return None
    return "passes: " + ", ".join(f"{kind} {COUNTS[kind]}" for kind in KINDS)
