"""Measure the spread of every bounded comparison in the test suite across settings that
change how floating-point work is split and vectorized, as other machines do.

    python bench/tolerances.py [--settings threads1,threads2,threads4,avx2] [--out DIR]
                               [-- extra pytest arguments, e.g. -k reference]

Runs `pytest -m numeric` once per setting with VXAI_SPREAD_LOG set (tests/numeric.py then
records what each comparison observed), and prints one row per comparison: its bound, the
worst value seen in each setting, and the headroom (how many times the worst spread fits
into the bound; for lower bounds on correlations, (1 - bound) / (1 - worst)). The settings:
- threadsN: VXAI_TEST_THREADS=N (TensorFlow intra-op, BLAS, OpenMP and torch threads);
- avx2: 2 threads with oneDNN (TensorFlow's and torch's CPU kernels) capped at AVX2, as on
  a processor without AVX-512;
- sse41: oneDNN capped at SSE4.1 and torch's own kernels at their portable build;
- eigen: TensorFlow without oneDNN (its Eigen kernels), as TensorFlow builds for other CPUs.
The per-setting logs and a CSV of the table are written to --out.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {
    "threads1": {"VXAI_TEST_THREADS": "1"},
    "threads2": {"VXAI_TEST_THREADS": "2"},
    "threads4": {"VXAI_TEST_THREADS": "4"},
    "avx2": {"VXAI_TEST_THREADS": "2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "sse41": {"VXAI_TEST_THREADS": "2", "ONEDNN_MAX_CPU_ISA": "SSE41",
              "ATEN_CPU_CAPABILITY": "default"},
    "eigen": {"VXAI_TEST_THREADS": "2", "TF_ENABLE_ONEDNN_OPTS": "0"},
}


def run(setting, out, pytest_args):
    """One pytest run under a setting; returns its records as a DataFrame."""
    log = out / f"{setting}.jsonl"
    log.unlink(missing_ok=True)
    env = dict(os.environ, VXAI_SPREAD_LOG=str(log), **SETTINGS[setting])
    command = [sys.executable, "-m", "pytest", "-m", "numeric", "-q", "-p", "no:cacheprovider",
               *pytest_args]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    print(f"{setting}: {result.stdout.strip().splitlines()[-1]}", file=sys.stderr)
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return pd.DataFrame(rows).assign(setting=setting)


def headroom(row):
    """How many times the worst observed spread fits into the bound."""
    if row["sense"] == ">":
        slack, bound = 1.0 - row["worst"], 1.0 - row["bound"]
    else:
        slack, bound = row["worst"], row["bound"]
    return float("inf") if slack <= 0 else bound / slack


def table(records):
    records = records.copy()
    records["test"] = records["test"].str.removeprefix("tests/")
    keys = ["test", "what", "sense", "bound"]
    worst = records.groupby(keys + ["setting"], sort=False)["observed"].agg(["max", "min"])
    worst = worst.apply(lambda r: r["min"] if r.name[2] == ">" else r["max"], axis=1)
    wide = worst.unstack("setting")
    wide["worst"] = [min(r) if key[2] == ">" else max(r)
                     for key, r in zip(wide.index, wide.to_numpy())]
    wide = wide.reset_index()
    wide["headroom"] = wide.apply(headroom, axis=1)
    return wide


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "tolerances")
    args, pytest_args = parser.parse_known_args()
    pytest_args = [a for a in pytest_args if a != "--"]
    args.out.mkdir(parents=True, exist_ok=True)
    records = pd.concat([run(s, args.out, pytest_args) for s in args.settings.split(",")])
    result = table(records)
    result.to_csv(args.out / "spread.csv", index=False)
    with pd.option_context("display.width", 250, "display.max_rows", None,
                           "display.max_colwidth", 70, "display.float_format", "{:.3g}".format):
        print(result.sort_values("headroom").to_string(index=False))


if __name__ == "__main__":
    main()
