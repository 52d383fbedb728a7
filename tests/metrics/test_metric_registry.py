"""The metric registry: every metric is one module declaring itself, and every list of
metrics (the score rule's config sections, the summary, the agreement table) comes from it."""

import ast

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO
from toy_metric_test import metric_plugin  # noqa: F401 (a fixture)
from vxai.errors import UserError
from vxai.metrics import registry
from vxai.metrics.registry import config_sections, metric_specs, summary_columns


def test_every_module_with_a_score_function_declares_its_metric():
    declared = {spec.name for spec in metric_specs()}
    for path in sorted(registry.PACKAGE.glob("*.py")):
        functions = {node.name for node in ast.parse(path.read_text()).body
                     if isinstance(node, ast.FunctionDef)}
        assert ("score" in functions) == (path.stem in declared), path.name
    orders = [spec.order for spec in metric_specs()]
    assert orders == sorted(set(orders))  # one place each


def test_config_sections_are_dataset_settings_of_the_schema_and_the_configs():
    """Every dataset, built-in or your own, takes the settings of definitions/dataset."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    shared = schema["definitions"]["dataset"]["properties"]
    for block in (schema["properties"]["mnist1d"], schema["properties"]["hmt"],
                  schema["definitions"]["own_dataset"]):
        assert {"$ref": "#/definitions/dataset"} in block["allOf"]
    for section in config_sections():
        assert section in shared, section
        for dataset in ("mnist1d", "hmt"):
            assert section in default[dataset], (dataset, section)


@pytest.mark.parametrize("change, message", [
    ('"order": 95,', r"METRIC must be a dict with the keys"),
    ('"criterion": "complexity",', r"METRIC criterion must be one of"),
    ('["toy", "higher"]', r"column 'toy_front': direction must be 'higher' or 'lower'"),
])
def test_a_broken_declaration_stops_naming_the_file(metric_plugin, change, message):
    from toy_metric_test import TOY

    broken = {'"order": 95,': "", '"criterion": "complexity",': '"criterion": "beauty",',
              '["toy", "higher"]': '["toy", "taller"]'}[change]
    module = metric_plugin / "toy_metrics" / "toy.py"
    assert change in TOY
    module.write_text(TOY.replace(change, broken))
    with pytest.raises(UserError, match=rf"toy.py: .*{message}"):
        registry.metric_specs()


def test_the_summary_has_every_registered_column_with_its_interval():
    from vxai.statistics.overall import summarize

    rng = np.random.default_rng(0)
    n = 12
    scores = pd.DataFrame({"id": range(n), "kept_fraction": 0.3, "unexplained": False,
                           **{f"{c}{v}": rng.random(n) for c in ("drop", "increase")
                              for v in ("", "_exact", "_soft")}})
    for spec in metric_specs():
        for column in spec.columns:
            if not column.endswith("_pct"):
                scores[column] = np.where(np.arange(n) % 3 == 0, rng.random(n), np.nan)
    row = summarize(scores)
    for spec in metric_specs():
        for column in spec.columns:
            assert column in row, column
            assert (f"{column}_lo" in row) == spec.interval, column
            if not column.endswith("_pct"):
                assert row[column] == pytest.approx(scores[column].mean()), column
    assert row["reproducibility_n"] == 4 and row["n"] == n


def test_summary_columns_carry_the_declared_directions():
    METRICS = summary_columns()
    assert METRICS["drop_pct"] == ("Drop%", False) and METRICS["reproducibility"][1] is True
    assert METRICS["road_srg"] == ("ROAD SRG", True) and METRICS["complexity"][1] is False


def test_the_summary_stage_and_every_metric_module_load_without_tensorflow():
    """The summary job sits at the end of the run's critical path: loading TensorFlow there
    costs seconds that nothing else overlaps."""
    import os
    import subprocess
    import sys

    code = ("import importlib, sys; import vxai.stages.summary; "
            "from vxai.metrics.registry import metric_specs; "
            "[importlib.import_module(m.module) for m in metric_specs()]; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith('vxai'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert run.returncode == 0, run.stderr[-2000:]
