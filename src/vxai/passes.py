"""Model passes a job issues, by kind, for the benchmarks: "forward" (inference of one input),
"gradient" (a forward and a backward pass of one input) and "head" (the layers after a
target layer only). The counts are per process; each pipeline job prints them to its log."""

import re
from collections import Counter
from pathlib import Path

COUNTS = Counter()
KINDS = ("forward", "gradient", "head")


def add(kind, n):
    COUNTS[kind] += int(n)


def line():
    """`passes: forward F, gradient G, head H`, or None when the job made none."""
    if not any(COUNTS.values()):
        return None
    return "passes: " + ", ".join(f"{kind} {COUNTS[kind]}" for kind in KINDS)


LINE = re.compile(r"^passes: forward (\d+), gradient (\d+), head (\d+)$", re.M)


def read(log):
    """(forward, gradient, head) from the last `passes:` line of a job's log, or None when
    the log is missing or has none."""
    path = Path(log)
    found = LINE.findall(path.read_text(errors="replace")) if path.exists() else []
    return tuple(map(int, found[-1])) if found else None
