"""A metric added as one module of another package, with config lines only: it is scored,
summarized, ranked, shown in the appendix and listed in docs' table, and the workflow passes
its config section to the score jobs and reruns them when its module changes."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SMOKE, snakemake
from toy_metric_test import metric_plugin  # noqa: F401 (a fixture)


def test_a_plugin_metric_reaches_the_summary_the_ranks_and_the_appendix(metric_plugin,
                                                                        tmp_path, monkeypatch):
    import test_report
    from vxai.metrics.__main__ import markdown_table

    plain = test_report.scores_table

    def with_toy(rng, class_names, n=20):
        table = plain(rng, class_names, n)
        table["toy_front"] = rng.uniform(0, 1, n)
        return table

    monkeypatch.setattr(test_report, "scores_table", with_toy)
    files, config, folder = test_report.appendix_fixture(tmp_path)
    summary = pd.read_csv(files["faithfulness"]).query("subset == 'all'")
    assert {"toy_front", "toy_front_lo", "toy_front_hi"} <= set(summary.columns)
    ranks = pd.read_csv(files["ranks"])
    assert set(ranks.query("metric == 'toy_front'")["method"]) == set(test_report.METHODS)
    checks = pd.read_csv(Path(files["faithfulness"]).parent / "metric_checks.csv")
    assert "toy_front" in set(checks["metric"])
    page, latex = test_report.render(files, config, folder)
    rows = test_report.html_rows(page, "metric-toy")
    assert len(rows) == len(summary)
    for row in summary.itertuples():
        cells = next(c for key, c in rows if key == row.method and c[0] ==
                     test_report.TITLES[row.dataset])
        assert test_report.parsed(cells[2]) == pytest.approx(
            [row.toy_front, row.toy_front_lo, row.toy_front_hi], abs=6e-4)
    assert '<h3 id="metric-toy">toy front mass</h3>' in page and "toy front mass" in latex
    assert "| toy front mass | toy (higher is better) | complexity | `toy_front` |" in \
        markdown_table()


@pytest.mark.workflow
def test_the_workflow_scores_a_plugin_metric_from_its_config_lines(metric_plugin, tmp_path):
    override = tmp_path / "toy.yaml"
    override.write_text("mnist1d:\n  toy_front:\n    part: 0.5\n")
    run = snakemake(tmp_path, "-n", *SMOKE, str(override), "--forceall", env={**os.environ})
    assert run.returncode == 0, run.stderr[-3000:]
    module = os.path.relpath(metric_plugin / "toy_metrics" / "toy.py", tmp_path)
    score_jobs = [block for block in run.stdout.split("\n\n") if "rule score:" in block]
    assert score_jobs and all(module in block for block in score_jobs)
    override.write_text("mnist1d:\n  toy_frnt:\n    part: 0.5\n")
    typo = snakemake(tmp_path, "-n", *SMOKE, str(override), env={**os.environ})
    assert typo.returncode != 0 and "toy_frnt" in typo.stdout + typo.stderr


def test_the_toy_metric_scores_what_it_declares(metric_plugin):
    from types import SimpleNamespace

    from vxai.metrics.registry import metric_specs

    toy = next(spec for spec in metric_specs() if spec.name == "toy")
    maps = np.array([[1.0, 1.0, 2.0, 0.0], [0.0, 0.0, 0.0, 4.0]])
    table = pd.DataFrame(index=range(2))
    toy.score(SimpleNamespace(maps={"maps": maps}), {"part": 0.5}, table)
    assert table["toy_front"].tolist() == [0.5, 0.0]
