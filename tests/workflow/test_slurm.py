"""The SLURM profile, end to end: a one-node cluster on 127.0.0.1 runs part of the smoke
config through `--executor slurm`, and its results equal the local smoke run's."""

import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, provide_hmt_inputs, snakemake
from slurm_cluster import local_cluster, missing_tools

pytest.importorskip("snakemake_executor_plugin_slurm", reason="snakemake-executor-plugin-slurm "
                    "is not installed (pip install -e '.[test]')")

# data, training, one explain and one score job: one job of each rule the profile configures
TARGETS = ["results/mnist1d/scores/gradcam.csv"]
RULES = {"mnist1d_data", "train_model", "explain", "score"}


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """The environment in which SLURM's commands reach the test cluster."""
    missing = missing_tools()
    if missing:
        pytest.skip("SLURM cannot start here: needs " + ", ".join(missing)
                    + " (apt-get install slurm-wlm slurmdbd munge mariadb-server)")
    try:
        with local_cluster(tmp_path_factory.mktemp("slurm")) as env:
            yield env
    except RuntimeError as error:
        pytest.skip(f"SLURM cannot start here: {str(error)[:2000]}")


@pytest.mark.workflow
def test_smoke_jobs_run_through_sbatch_and_match_the_local_run(slurm, smoke_run, tmp_path):
    local, _, configs = smoke_run
    provide_hmt_inputs(tmp_path)
    # The profile as written, with the smoke config's one thread per job so that the
    # results can be compared with the local run bit for bit.
    run = snakemake(tmp_path, "--workflow-profile", str(REPO / "workflow" / "profiles" / "slurm"),
                    *configs, "--slurm-init-seconds-before-status-checks", "2",
                    "--set-threads", *[f"{rule}=1" for rule in sorted(RULES - {"mnist1d_data"})],
                    "--", *TARGETS, env=slurm)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    accounting = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-o", "JobID,Partition,State,Comment%200"],
        env=slurm, capture_output=True, text=True, check=True, timeout=60).stdout
    jobs = [line.split("|") for line in accounting.splitlines() if line]
    assert {state for _, _, state, _ in jobs} == {"COMPLETED"}
    submitted = {rule for rule in RULES for *_, comment in jobs if f"rule_{rule}" in comment}
    assert submitted == RULES, accounting
    assert {partition for _, partition, _, comment in jobs if "rule_explain" in comment} == {"gpu"}

    maps_path = "results/mnist1d/maps/gradcam/shard0.npz"
    with np.load(local / maps_path) as expected, np.load(tmp_path / maps_path) as actual:
        assert sorted(expected.files) == sorted(actual.files)
        for key in expected.files:
            np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)
    for target in TARGETS:
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / target), pd.read_csv(local / target))
