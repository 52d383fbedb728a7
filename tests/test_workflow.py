"""The Snakemake workflow: lint and format, the default DAG, and a full smoke run."""

import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, snakemake, write_tiles

def job_counts(output):
    """The 'Job stats' table of a snakemake run, as {rule: count}."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


def test_lint_and_snakefmt_are_clean():
    lint = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Congratulations, your workflow is in a good condition" in lint.stdout + lint.stderr
    fmt = subprocess.run(["snakefmt", "--check", "workflow"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_dry_run_of_the_default_config_lists_every_job(tmp_path):
    config = ["--configfile", str(REPO / "config" / "config.yaml")]
    fresh = snakemake(tmp_path, "-n", *config)
    assert fresh.returncode == 0, fresh.stderr
    counts = job_counts(fresh.stdout)
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    methods = sum(len(default[d]["methods"]) for d in ("mnist1d", "hmt"))
    shards = sum(len(default[d]["methods"]) * default[d]["explain"]["shards"]
                 for d in ("mnist1d", "hmt"))
    assert counts == {
        "hmt_download": 1, "mnist1d_data": 1, "hmt_data": 1, "train_model": 2, "evaluate": 2,
        "explain": shards, "evaluation_figures": 8, "maps_gallery": 2, "curves_figure": 2,
        "score": methods,
        "summarize_scores": 1, "appendix": 1, "all": 1,
    }
    assert methods == 34  # every method of both groups and the two baselines, both datasets
    # with the course's inputs in resources/: no download, the HMT model is imported
    write_tiles(tmp_path / "resources" / "hmt_dataset", per_class=(1, 1))
    (tmp_path / "resources" / "models").mkdir(parents=True)
    (tmp_path / "resources" / "models" / "HMT.h5").write_bytes(b"placeholder")
    provided = snakemake(tmp_path, "-n", *config)
    assert provided.returncode == 0, provided.stderr
    counts = job_counts(provided.stdout)
    assert "hmt_download" not in counts
    assert counts["import_hmt_model"] == 1 and counts["train_model"] == 1
    assert counts["evaluation_figures"] == 7  # no training curves for an imported model


@pytest.mark.workflow
def test_smoke_run_renders_the_appendix(smoke_run):
    workdir, inputs, configs = smoke_run
    html = (workdir / "results" / "report" / "appendix.html").read_text()
    assert "Dataset mnist1d" in html and "Dataset hmt" in html
    origin = "imported pretrained model" if inputs == "real" else "trained by this pipeline"
    assert origin in html
    assert not list(workdir.glob("results/**/.*tmp*")), "temporary files left behind"
    report = snakemake(workdir, "--report", "results/report/workflow-report.html", *configs)
    assert report.returncode == 0, report.stderr[-3000:]
    assert (workdir / "results" / "report" / "workflow-report.html").stat().st_size > 10_000
